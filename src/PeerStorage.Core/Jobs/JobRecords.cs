using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Jobs;

/// <summary>What Get-PeerJob filters on.</summary>
public sealed record JobRecordFilter(long[]? Ids = null, string[]? Kinds = null, PeerJobState[]? States = null, DateTimeOffset? After = null, int? Last = null);

/// <summary>The durable run records in the job_runs table: written by the runner, read by Get-PeerJob in any process.</summary>
public static class JobRecords
{
    internal static long Insert(StateDatabase db, JobSpec spec) => db.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = """
            INSERT INTO job_runs(kind, pool, description, state, queued, process_id) VALUES($kind, $pool, $description, $state, $queued, $pid);
            SELECT last_insert_rowid();
            """;
        command.Parameters.AddWithValue("$kind", spec.Kind);
        command.Parameters.AddWithValue("$pool", spec.Pool);
        command.Parameters.AddWithValue("$description", spec.Description);
        command.Parameters.AddWithValue("$state", nameof(PeerJobState.Queued));
        command.Parameters.AddWithValue("$queued", DateTimeOffset.UtcNow.ToString("O"));
        command.Parameters.AddWithValue("$pid", Environment.ProcessId);
        return (long)command.ExecuteScalar()!;
    });

    internal static void MarkStarted(StateDatabase db, long id) => db.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = "UPDATE job_runs SET state = $state, started = $now WHERE id = $id";
        command.Parameters.AddWithValue("$state", nameof(PeerJobState.Running));
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O"));
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    });

    internal static void MarkEnded(StateDatabase db, long id, PeerJobState state, long bytes, string? error) => db.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = "UPDATE job_runs SET state = $state, ended = $now, bytes = $bytes, error = $error WHERE id = $id";
        command.Parameters.AddWithValue("$state", state.ToString());
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O"));
        command.Parameters.AddWithValue("$bytes", bytes);
        command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    });

    /// <summary>Runs left Queued or Running by a process that no longer exists ended without a word: say so.</summary>
    internal static int MarkInterrupted(StateDatabase db) => db.Write((c, t) =>
    {
        var orphans = new List<long>();
        using (var select = c.CreateCommand())
        {
            select.Transaction = t;
            select.CommandText = "SELECT id, process_id FROM job_runs WHERE state IN ('Queued', 'Running')";
            using var reader = select.ExecuteReader();
            while (reader.Read())
                if (!ProcessAlive(reader.GetInt32(1))) orphans.Add(reader.GetInt64(0));
        }
        foreach (var id in orphans)
        {
            using var update = c.CreateCommand();
            update.Transaction = t;
            update.CommandText = "UPDATE job_runs SET state = 'Interrupted', ended = COALESCE(ended, $now), error = COALESCE(error, 'The process running it ended.') WHERE id = $id";
            update.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O"));
            update.Parameters.AddWithValue("$id", id);
            update.ExecuteNonQuery();
        }
        return orphans.Count;
    });

    public static IReadOnlyList<PeerJobRecord> List(StateDatabase db, string nodeId, JobRecordFilter filter) => db.Read(c =>
    {
        using var command = c.CreateCommand();
        var where = new List<string>();
        AddIn(command, where, "id", filter.Ids?.Cast<object>().ToArray());
        AddIn(command, where, "kind", filter.Kinds?.Cast<object>().ToArray(), nocase: true);
        AddIn(command, where, "state", filter.States?.Select(s => (object)s.ToString()).ToArray());
        if (filter.After is { } after)
        {
            where.Add("queued > $after");
            command.Parameters.AddWithValue("$after", after.ToUniversalTime().ToString("O"));
        }
        var sql = "SELECT id, kind, pool, description, state, queued, started, ended, bytes, error, process_id FROM job_runs";
        if (where.Count > 0) sql += " WHERE " + string.Join(" AND ", where);
        sql += " ORDER BY id DESC";
        if (filter.Last is { } last) sql += $" LIMIT {Math.Max(0, last)}";
        command.CommandText = $"SELECT * FROM ({sql}) ORDER BY id"; // oldest first, as a report reads
        using var reader = command.ExecuteReader();
        var records = new List<PeerJobRecord>();
        while (reader.Read())
        {
            records.Add(new PeerJobRecord
            {
                Id = reader.GetInt64(0),
                NodeId = nodeId,
                Kind = reader.GetString(1),
                Pool = reader.GetString(2),
                Description = reader.GetString(3),
                State = Enum.Parse<PeerJobState>(reader.GetString(4)),
                Queued = ParseTime(reader, 5)!.Value,
                Started = ParseTime(reader, 6),
                Ended = ParseTime(reader, 7),
                Bytes = reader.GetInt64(8),
                Error = reader.IsDBNull(9) ? null : reader.GetString(9),
                ProcessId = reader.GetInt32(10),
            });
        }
        return (IReadOnlyList<PeerJobRecord>)records;
    });

    private static void AddIn(SqliteCommand command, List<string> where, string column, object[]? values, bool nocase = false)
    {
        if (values is null || values.Length == 0) return;
        var names = new List<string>();
        for (var i = 0; i < values.Length; i++)
        {
            var name = $"${column}{i}";
            names.Add(name);
            command.Parameters.AddWithValue(name, values[i]);
        }
        where.Add($"{column}{(nocase ? " COLLATE NOCASE" : "")} IN ({string.Join(", ", names)})");
    }

    private static DateTimeOffset? ParseTime(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static bool ProcessAlive(int processId)
    {
        if (processId == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
