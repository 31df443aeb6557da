using Microsoft.Data.Sqlite;

namespace PeerStorage.Core.State;

/// <summary>Node settings (name, port, directory...) as key/value rows: the one place both cmdlets and a running node read.</summary>
/// <summary>The setting keys the engine knows.</summary>
public static class SettingKeys
{
    public const string Name = "name";
    public const string Port = "port";
    public const string DirectoryAddress = "directory_address";
    public const string FleetId = "fleet_id";
    public const string Created = "created";
    /// <summary>"on" when this node serves as a directory server.</summary>
    public const string DirectoryRole = "directory_role";
    /// <summary>Bytes this node offers to peers (announced in discovery).</summary>
    public const string OfferedBytes = "offered_bytes";
    /// <summary>Seconds a hosted lease is kept past its end before the wipe (clock skew between holder and host).</summary>
    public const string LeaseGraceSeconds = "lease_grace_seconds";
    /// <summary>Seconds between a running node's registrations with its directory server (1 to 300; 60 when unset).</summary>
    public const string DirectoryRefreshSeconds = "directory_refresh_seconds";
}

public sealed class Settings(StateDatabase db)
{

    public string? Get(string key) => db.Read(c => Get(c, key));

    public static string? Get(SqliteConnection connection, string key)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM settings WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    public IReadOnlyDictionary<string, string> All() => db.Read(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT key, value FROM settings";
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, string>();
        while (reader.Read()) result[reader.GetString(0)] = reader.GetString(1);
        return (IReadOnlyDictionary<string, string>)result;
    });

    /// <summary>Sets or (with null) removes several settings in one transaction.</summary>
    public void Set(IReadOnlyDictionary<string, string?> values) => db.Write((c, t) =>
    {
        foreach (var (key, value) in values)
        {
            using var command = c.CreateCommand();
            command.Transaction = t;
            if (value is null)
                command.CommandText = "DELETE FROM settings WHERE key = $key";
            else
            {
                command.CommandText = "INSERT INTO settings(key, value) VALUES($key, $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
                command.Parameters.AddWithValue("$value", value);
            }
            command.Parameters.AddWithValue("$key", key);
            command.ExecuteNonQuery();
        }
    });

    public void Set(string key, string? value) => Set(new Dictionary<string, string?> { [key] = value });
}
