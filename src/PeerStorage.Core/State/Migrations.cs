using Microsoft.Data.Sqlite;

namespace PeerStorage.Core.State;

/// <summary>
/// The schema, as an append-only list of steps. PRAGMA user_version records how many have run. Never edit a step
/// that has shipped: add a new one, so every older database upgrades in place.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<string> All =
    [
        // 1: settings and the runtime record of the process that runs the node
        """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE node_runtime (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            process_id INTEGER NOT NULL,
            host TEXT NOT NULL,
            port INTEGER NOT NULL,
            started TEXT NOT NULL,
            heartbeat TEXT NOT NULL);
        """,
        // 2: durable run records of the job runner
        """
        CREATE TABLE job_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            pool TEXT NOT NULL,
            description TEXT NOT NULL,
            state TEXT NOT NULL,
            queued TEXT NOT NULL,
            started TEXT,
            ended TEXT,
            bytes INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            process_id INTEGER NOT NULL);
        CREATE INDEX job_runs_state ON job_runs(state);
        CREATE INDEX job_runs_queued ON job_runs(queued);
        """,
        // 3: trust — peers pinned by node id, and fleet revocations this node has learned (signed by the fleet CA)
        """
        CREATE TABLE peer_trust (
            node_id TEXT PRIMARY KEY,
            name TEXT,
            addresses TEXT NOT NULL DEFAULT '',
            added TEXT NOT NULL);
        CREATE TABLE revocations (
            fleet_id TEXT NOT NULL,
            node_id TEXT NOT NULL,
            revoked TEXT NOT NULL,
            reason TEXT NOT NULL,
            statement TEXT NOT NULL,
            signature TEXT NOT NULL,
            PRIMARY KEY (fleet_id, node_id));
        """,
        // 4: discovery — what this node learned about peers (the resolver's cache), and the directory role's table
        """
        CREATE TABLE peer_cache (
            node_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            addresses TEXT NOT NULL,
            port INTEGER NOT NULL,
            fleet_id TEXT,
            source TEXT NOT NULL,
            seen TEXT NOT NULL);
        CREATE TABLE directory_entries (
            node_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            addresses TEXT NOT NULL,
            port INTEGER NOT NULL,
            fleet_id TEXT,
            registered TEXT NOT NULL,
            last_seen TEXT NOT NULL);
        CREATE INDEX directory_entries_name ON directory_entries(name COLLATE NOCASE);
        """,
        // 5: the hidden storage partitions (vaults) this node lends space from
        """
        CREATE TABLE hidden_partitions (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            location TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            created TEXT NOT NULL);
        """,
        // 6: availability offers and the leases against them — hosted here for peers, and held by this node on peers.
        // Times are Unix milliseconds (UTC) so the sweeper compares numbers. key_share is the host's half of a lease's
        // data key (the holder's owner key is the other); it is destroyed (NULL, with secure_delete) when the lease ends,
        // so what might be left of the lease on the carrier can no longer be decrypted by anyone.
        """
        CREATE TABLE availability_offers (
            id TEXT PRIMARY KEY,
            partition_id TEXT NOT NULL,
            size INTEGER NOT NULL,
            until INTEGER NOT NULL,
            created INTEGER NOT NULL,
            withdrawn INTEGER);
        CREATE TABLE hosted_leases (
            id TEXT PRIMARY KEY,
            offer_id TEXT NOT NULL,
            partition_id TEXT NOT NULL,
            holder_node_id TEXT NOT NULL,
            region_id TEXT,
            size INTEGER NOT NULL,
            until INTEGER NOT NULL,
            created INTEGER NOT NULL,
            state TEXT NOT NULL,
            key_share BLOB,
            warned INTEGER NOT NULL DEFAULT 0,
            ended INTEGER);
        CREATE INDEX hosted_leases_holder ON hosted_leases(holder_node_id);
        CREATE TABLE hosted_lease_objects (
            lease_id TEXT NOT NULL,
            name_key TEXT NOT NULL,
            sealed_name TEXT NOT NULL,
            offset INTEGER NOT NULL,
            length INTEGER NOT NULL,
            created INTEGER NOT NULL,
            PRIMARY KEY (lease_id, name_key));
        CREATE TABLE held_leases (
            id TEXT PRIMARY KEY,
            host_node_id TEXT NOT NULL,
            offer_id TEXT NOT NULL,
            size INTEGER NOT NULL,
            until INTEGER NOT NULL,
            created INTEGER NOT NULL,
            owner_key BLOB NOT NULL,
            state TEXT NOT NULL);
        """,
    ];

    public static void Apply(SqliteConnection connection, int target, string path)
    {
        var version = StateDatabase.SchemaVersion(connection);
        if (version > All.Count)
            throw new PeerStorageException("StateDatabaseTooNew", PeerErrorKind.InvalidData,
                $"The state database '{path}' has schema version {version}, newer than this engine knows ({All.Count}). Update PeerStorage; the database was left as it is.",
                target: path);
        for (var step = version; step < target; step++)
        {
            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = All[step] + $"\nPRAGMA user_version = {step + 1};";
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }
}
