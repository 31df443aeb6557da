using System.Globalization;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Trust;

/// <summary>Peers this node trusts by node id (Add-PeerTrust), in the node's state database.</summary>
public sealed class TrustStore(NodeHome home)
{
    public PeerTrust Add(NodeId nodeId, string? name, IReadOnlyCollection<string> addresses)
    {
        if (nodeId.Equals(home.NodeId))
            throw new PeerStorageException("TrustSelf", PeerErrorKind.InvalidArgument, "A node does not need to trust itself.", target: nodeId.ToString());
        home.State.Write((c, t) =>
        {
            using var command = c.CreateCommand();
            command.Transaction = t;
            command.CommandText = """
                INSERT INTO peer_trust(node_id, name, addresses, added) VALUES($id, $name, $addresses, $added)
                ON CONFLICT(node_id) DO UPDATE SET name = COALESCE(excluded.name, name),
                    addresses = CASE WHEN excluded.addresses = '' THEN addresses ELSE excluded.addresses END
                """;
            command.Parameters.AddWithValue("$id", nodeId.ToString());
            command.Parameters.AddWithValue("$name", (object?)name ?? DBNull.Value);
            command.Parameters.AddWithValue("$addresses", string.Join(' ', addresses));
            command.Parameters.AddWithValue("$added", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        });
        return Get(nodeId)!;
    }

    public bool Remove(NodeId nodeId) => home.State.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = "DELETE FROM peer_trust WHERE node_id = $id";
        command.Parameters.AddWithValue("$id", nodeId.ToString());
        return command.ExecuteNonQuery() > 0;
    });

    public PeerTrust? Get(NodeId nodeId) => List().FirstOrDefault(t => t.NodeId == nodeId.ToString());

    public bool IsPinned(NodeId nodeId) => home.State.Read(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT 1 FROM peer_trust WHERE node_id = $id";
        command.Parameters.AddWithValue("$id", nodeId.ToString());
        return command.ExecuteScalar() is not null;
    });

    public IReadOnlyList<PeerTrust> List() => home.State.Read(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT node_id, name, addresses, added FROM peer_trust ORDER BY added";
        using var reader = command.ExecuteReader();
        var list = new List<PeerTrust>();
        while (reader.Read())
            list.Add(new PeerTrust
            {
                NodeId = reader.GetString(0),
                Name = reader.IsDBNull(1) ? null : reader.GetString(1),
                Addresses = reader.GetString(2).Split(' ', StringSplitOptions.RemoveEmptyEntries),
                Added = DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                NodePath = home.Path,
            });
        return (IReadOnlyList<PeerTrust>)list;
    });
}
