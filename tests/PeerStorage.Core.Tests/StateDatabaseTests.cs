using Microsoft.Data.Sqlite;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Tests;

public sealed class StateDatabaseTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    public void Dispose() => _dir.Dispose();

    private string DbPath
    {
        get
        {
            Directory.CreateDirectory(_dir.Path);
            return _dir.Combine("state.db");
        }
    }

    [Fact]
    public void A_new_database_is_WAL_at_the_current_schema_version()
    {
        var db = StateDatabase.Open(DbPath);
        db.Read(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "PRAGMA journal_mode;";
            Assert.Equal("wal", command.ExecuteScalar());
            Assert.Equal(StateDatabase.CurrentVersion, StateDatabase.SchemaVersion(c));
            return 0;
        });
    }

    [Fact]
    public void An_older_database_is_upgraded_in_place_and_keeps_its_rows()
    {
        var old = StateDatabase.Open(DbPath, upToVersion: 1);
        new Settings(old).Set(SettingKeys.Name, "kept");
        Assert.Equal(1, old.Read(StateDatabase.SchemaVersion));
        Assert.Throws<SqliteException>(() => old.Read(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM job_runs";
            return command.ExecuteScalar();
        }));

        var upgraded = StateDatabase.Open(DbPath);
        Assert.Equal(StateDatabase.CurrentVersion, upgraded.Read(StateDatabase.SchemaVersion));
        Assert.Equal("kept", new Settings(upgraded).Get(SettingKeys.Name));
        Assert.Equal(0L, upgraded.Read(c =>
        {
            using var command = c.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM job_runs";
            return (long)command.ExecuteScalar()!;
        }));
    }

    [Fact]
    public void A_database_from_a_newer_engine_is_refused_and_left_untouched()
    {
        var db = StateDatabase.Open(DbPath);
        db.Write((c, t) =>
        {
            using var command = c.CreateCommand();
            command.Transaction = t;
            command.CommandText = $"PRAGMA user_version = {StateDatabase.CurrentVersion + 5};";
            command.ExecuteNonQuery();
        });
        var before = File.ReadAllBytes(DbPath);
        var e = Assert.Throws<PeerStorageException>(() => StateDatabase.Open(DbPath));
        Assert.Equal("StateDatabaseTooNew", e.ErrorId);
        Assert.Equal(StateDatabase.CurrentVersion + 5, db.Read(StateDatabase.SchemaVersion));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_with_a_clear_error()
    {
        File.WriteAllBytes(DbPath, System.Text.Encoding.ASCII.GetBytes(new string('x', 8192)));
        var e = Assert.Throws<PeerStorageException>(() => StateDatabase.Open(DbPath));
        Assert.Equal("StateDatabaseUnavailable", e.ErrorId);
        Assert.Equal(new string('x', 8192), File.ReadAllText(DbPath));
    }

    [Fact]
    public void Concurrent_writers_from_many_threads_all_land()
    {
        var db = StateDatabase.Open(DbPath);
        var settings = new Settings(db);
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => settings.Set("k" + i, i.ToString()));
        var all = settings.All();
        for (var i = 0; i < 200; i++) Assert.Equal(i.ToString(), all["k" + i]);
    }
}
