using System.Runtime.CompilerServices;

namespace PeerStorage.Module.Tests;

/// <summary>
/// Before any test runs, this process loads and uses older Serilog and Microsoft.Data.Sqlite (with their own native
/// SQLite) in the default load context, the way another module or the host might. Every module test then imports
/// PeerStorage into a process that already has conflicting versions of its dependencies.
/// </summary>
internal static class ForeignDependencies
{
    public static string? SqliteVersion { get; private set; }

    [ModuleInitializer]
    internal static void LoadBeforeTheModule()
    {
        Serilog.Log.Logger = new Serilog.LoggerConfiguration().CreateLogger();
        Serilog.Log.Information("a host that uses Serilog 2");
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        SqliteVersion = (string?)command.ExecuteScalar();
    }
}
