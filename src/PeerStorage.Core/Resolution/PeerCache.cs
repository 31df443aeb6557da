using System.Globalization;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Resolution;

/// <summary>
/// What this node has learned about peers (from mDNS, the directory or the admin), so the resolver can try the
/// last known address first. It is a hint, never trust: the peer proves its id in the TLS handshake.
/// </summary>
public sealed class PeerCache(StateDatabase db)
{
    public void Remember(PeerNodeInfo peer) => db.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = """
            INSERT INTO peer_cache(node_id, name, addresses, port, fleet_id, source, seen) VALUES($id, $name, $addresses, $port, $fleet, $source, $seen)
            ON CONFLICT(node_id) DO UPDATE SET name = excluded.name, addresses = excluded.addresses, port = excluded.port,
                fleet_id = excluded.fleet_id, source = excluded.source, seen = excluded.seen
            """;
        command.Parameters.AddWithValue("$id", peer.NodeId);
        command.Parameters.AddWithValue("$name", peer.Name);
        command.Parameters.AddWithValue("$addresses", string.Join(' ', peer.Addresses));
        command.Parameters.AddWithValue("$port", peer.Port);
        command.Parameters.AddWithValue("$fleet", (object?)peer.FleetId ?? DBNull.Value);
        command.Parameters.AddWithValue("$source", peer.Source.ToString());
        command.Parameters.AddWithValue("$seen", peer.LastSeen.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
    });

    public PeerNodeInfo? Find(string nodeId) => db.Read(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT node_id, name, addresses, port, fleet_id, seen FROM peer_cache WHERE node_id = $id";
        command.Parameters.AddWithValue("$id", nodeId);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new PeerNodeInfo
        {
            NodeId = reader.GetString(0),
            Name = reader.GetString(1),
            Addresses = reader.GetString(2).Split(' ', StringSplitOptions.RemoveEmptyEntries),
            Port = reader.GetInt32(3),
            FleetId = reader.IsDBNull(4) ? null : reader.GetString(4),
            Source = PeerInfoSource.Cache,
            LastSeen = DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        };
    });

    public bool Forget(string nodeId) => db.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = "DELETE FROM peer_cache WHERE node_id = $id";
        command.Parameters.AddWithValue("$id", nodeId);
        return command.ExecuteNonQuery() > 0;
    });
}
