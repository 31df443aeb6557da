using System.Globalization;
using Microsoft.Data.Sqlite;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;

namespace PeerStorage.Core.DirectoryServer;

/// <summary>
/// The directory role's table: node id → addresses, name, port, fleet and last seen (the "server database" of the
/// backup patent). A node can only register itself: the id comes from its authenticated session, never from the
/// request. Entries not refreshed within <see cref="EntryLifetime"/> are not returned and are pruned.
/// </summary>
public sealed class DirectoryStore(StateDatabase db)
{
    public static readonly TimeSpan EntryLifetime = TimeSpan.FromMinutes(15);
    private const int MaxAddresses = 16;

    public PeerDirectoryEntry Register(NodeId nodeId, string name, IEnumerable<string> addresses, int port, string? fleetId)
    {
        var clean = addresses.Where(a => a.Length is > 0 and <= 64).Distinct().Take(MaxAddresses).ToArray();
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        db.Write((c, t) =>
        {
            using var command = c.CreateCommand();
            command.Transaction = t;
            command.CommandText = """
                INSERT INTO directory_entries(node_id, name, addresses, port, fleet_id, registered, last_seen)
                VALUES($id, $name, $addresses, $port, $fleet, $now, $now)
                ON CONFLICT(node_id) DO UPDATE SET name = excluded.name, addresses = excluded.addresses, port = excluded.port,
                    fleet_id = excluded.fleet_id, last_seen = excluded.last_seen
                """;
            command.Parameters.AddWithValue("$id", nodeId.ToString());
            command.Parameters.AddWithValue("$name", name.Length > 63 ? name[..63] : name);
            command.Parameters.AddWithValue("$addresses", string.Join(' ', clean));
            command.Parameters.AddWithValue("$port", port);
            command.Parameters.AddWithValue("$fleet", (object?)fleetId ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", now);
            command.ExecuteNonQuery();
        });
        return Lookup(nodeId.ToString(), null).Single();
    }

    /// <summary>Live entries by node id, or by name (case-insensitive, '*' wildcards), or all.</summary>
    public IReadOnlyList<PeerDirectoryEntry> Lookup(string? nodeId, string? name) => db.Read(c =>
    {
        using var command = c.CreateCommand();
        var sql = "SELECT node_id, name, addresses, port, fleet_id, registered, last_seen FROM directory_entries WHERE last_seen > $cutoff";
        command.Parameters.AddWithValue("$cutoff", (DateTimeOffset.UtcNow - EntryLifetime).ToString("O", CultureInfo.InvariantCulture));
        if (nodeId is not null)
        {
            sql += " AND node_id = $id";
            command.Parameters.AddWithValue("$id", nodeId);
        }
        if (name is not null)
        {
            sql += " AND name LIKE $name ESCAPE '\\' COLLATE NOCASE";
            command.Parameters.AddWithValue("$name", name.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").Replace('*', '%'));
        }
        command.CommandText = sql + " ORDER BY name";
        return Read(command);
    });

    public int Prune() => db.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = "DELETE FROM directory_entries WHERE last_seen <= $cutoff";
        command.Parameters.AddWithValue("$cutoff", (DateTimeOffset.UtcNow - EntryLifetime).ToString("O", CultureInfo.InvariantCulture));
        return command.ExecuteNonQuery();
    });

    private static IReadOnlyList<PeerDirectoryEntry> Read(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var list = new List<PeerDirectoryEntry>();
        while (reader.Read())
            list.Add(new PeerDirectoryEntry
            {
                NodeId = reader.GetString(0),
                Name = reader.GetString(1),
                Addresses = reader.GetString(2).Split(' ', StringSplitOptions.RemoveEmptyEntries),
                Port = reader.GetInt32(3),
                FleetId = reader.IsDBNull(4) ? null : reader.GetString(4),
                Registered = DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                LastSeen = DateTimeOffset.Parse(reader.GetString(6), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            });
        return list;
    }
}
