using Microsoft.Data.Sqlite;

namespace PeerStorage.Core.State;

/// <summary>
/// The node's SQLite state: WAL, a busy timeout so a cmdlet and a running node can share it, one writer path per
/// process (writes are serialized here; other processes wait on SQLite's lock), and versioned migrations that
/// upgrade an older database in place.
/// </summary>
public sealed class StateDatabase
{
    public const string FileName = "state.db";
    private const int BusyTimeoutMs = 10_000;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly string _connectionString;

    private StateDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false, // a pooled handle would keep the file open after the node home is closed or removed
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>The schema version this engine writes.</summary>
    public static int CurrentVersion => Migrations.All.Count;

    /// <summary>Opens (creating if needed) and migrates the database to <paramref name="upToVersion"/> (default: current).</summary>
    public static StateDatabase Open(string path, int? upToVersion = null)
    {
        var db = new StateDatabase(path);
        using var connection = db.OpenConnection();
        try
        {
            using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode=WAL;";
                wal.ExecuteNonQuery();
            }
            Migrations.Apply(connection, upToVersion ?? CurrentVersion, path);
        }
        catch (SqliteException e)
        {
            throw new PeerStorageException("StateDatabaseUnavailable", PeerErrorKind.InvalidData,
                $"The state database '{path}' cannot be used: {e.Message}. Nothing was changed.", e, path);
        }
        return db;
    }

    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = $"PRAGMA busy_timeout={BusyTimeoutMs}; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"; // secure_delete: destroyed lease keys leave no copy in free pages
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new PeerStorageException("StateDatabaseUnavailable", PeerErrorKind.InvalidData,
                $"The state database '{Path}' cannot be opened: {e.Message}", e, Path);
        }
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction, one writer at a time in this process.</summary>
    public T Write<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        _writer.Wait();
        try
        {
            using var connection = OpenConnection();
            using var transaction = connection.BeginTransaction(deferred: false);
            var result = work(connection, transaction);
            transaction.Commit();
            return result;
        }
        finally
        {
            _writer.Release();
        }
    }

    public void Write(Action<SqliteConnection, SqliteTransaction> work) => Write<object?>((c, t) => { work(c, t); return null; });

    public T Read<T>(Func<SqliteConnection, T> work)
    {
        using var connection = OpenConnection();
        return work(connection);
    }

    /// <summary>SQLite's data_version for a connection: changes when another connection commits.</summary>
    public static long DataVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA data_version;";
        return (long)command.ExecuteScalar()!;
    }

    public static int SchemaVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar());
    }
}
