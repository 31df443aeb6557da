using System.Reflection;

namespace PeerStorage.Network.Tests.Peers;

/// <summary>The built agent and shell (paths compiled in by tests/BuiltPrograms.targets) and the dotnet host that runs them.</summary>
internal static class Programs
{
    public static string Agent { get; } = Metadata("PeerStorageAgentPath");
    public static string Shell { get; } = Metadata("PeerStorageShellDll");
    /// <summary>The repository's root folder (for the admin scripts in examples/).</summary>
    public static string RepositoryRoot { get; } =
        typeof(Programs).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepositoryRoot").Value!;

    public static string Dotnet =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>
    /// Inside a lab namespace a node uses real mDNS on the lab's interfaces: undo the test run's loopback-only setting
    /// (tests/test.runsettings), which the child processes would otherwise inherit.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> LabEnvironment = new Dictionary<string, string>
    {
        ["PEERSTORAGE_MDNS"] = "on",
        ["PEERSTORAGE_MDNS_PORT"] = "",
        ["DOTNET_NOLOGO"] = "1",
    };

    private static string Metadata(string key)
    {
        var path = typeof(Programs).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
            throw new InvalidOperationException($"{key}: '{path}' is not built. Build tests/PeerStorage.Network.Tests, which builds it first.");
        return path;
    }
}
