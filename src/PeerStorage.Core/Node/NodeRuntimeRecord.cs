using System.Diagnostics;
using System.Globalization;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Node;

/// <summary>
/// The row that says which process runs the node, on which port, and when it last proved it is alive. Cmdlets in
/// other processes read it to report State; a second Start is refused while it is alive.
/// </summary>
public sealed record NodeRuntimeRecord(int ProcessId, string Host, int Port, DateTimeOffset Started, DateTimeOffset Heartbeat)
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(20);

    /// <summary>Alive when its heartbeat is fresh and, on this host, its process still exists.</summary>
    public bool IsAlive
    {
        get
        {
            if (DateTimeOffset.UtcNow - Heartbeat > StaleAfter) return false;
            if (!string.Equals(Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return true;
            try
            {
                using var process = Process.GetProcessById(ProcessId);
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
    }

    public static NodeRuntimeRecord? Read(StateDatabase db) => db.Read(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT process_id, host, port, started, heartbeat FROM node_runtime WHERE id = 1";
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
        return new NodeRuntimeRecord(reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2),
            DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture), DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture));
    });

    /// <summary>Claims the node for this process; fails if another live process holds it.</summary>
    public static void Claim(StateDatabase db, int port) => db.Write((c, t) =>
    {
        using (var select = c.CreateCommand())
        {
            select.Transaction = t;
            select.CommandText = "SELECT process_id, host, port, started, heartbeat FROM node_runtime WHERE id = 1";
            using var reader = select.ExecuteReader();
            if (reader.Read())
            {
                var existing = new NodeRuntimeRecord(reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2),
                    DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture), DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture));
                if (existing.IsAlive && existing.ProcessId != Environment.ProcessId)
                    throw new PeerStorageException("NodeAlreadyRunning", PeerErrorKind.InvalidOperation,
                        $"The node already runs in process {existing.ProcessId} on {existing.Host} (port {existing.Port}). Stop it first.", target: existing.ProcessId);
                if (existing.IsAlive)
                    throw new PeerStorageException("NodeAlreadyRunning", PeerErrorKind.InvalidOperation,
                        $"The node already runs in this process (port {existing.Port}). Stop it first.", target: existing.ProcessId);
            }
        }
        var now = DateTimeOffset.UtcNow.ToString("O");
        using var upsert = c.CreateCommand();
        upsert.Transaction = t;
        upsert.CommandText = """
            INSERT INTO node_runtime(id, process_id, host, port, started, heartbeat) VALUES(1, $pid, $host, $port, $now, $now)
            ON CONFLICT(id) DO UPDATE SET process_id = excluded.process_id, host = excluded.host, port = excluded.port,
                started = excluded.started, heartbeat = excluded.heartbeat
            """;
        upsert.Parameters.AddWithValue("$pid", Environment.ProcessId);
        upsert.Parameters.AddWithValue("$host", Environment.MachineName);
        upsert.Parameters.AddWithValue("$port", port);
        upsert.Parameters.AddWithValue("$now", now);
        upsert.ExecuteNonQuery();
    });

    public static void Beat(StateDatabase db, int port) => db.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = "UPDATE node_runtime SET heartbeat = $now, port = $port WHERE id = 1 AND process_id = $pid";
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O"));
        command.Parameters.AddWithValue("$port", port);
        command.Parameters.AddWithValue("$pid", Environment.ProcessId);
        command.ExecuteNonQuery();
    });

    public static void Release(StateDatabase db) => db.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = "DELETE FROM node_runtime WHERE id = 1 AND process_id = $pid";
        command.Parameters.AddWithValue("$pid", Environment.ProcessId);
        command.ExecuteNonQuery();
    });
}
