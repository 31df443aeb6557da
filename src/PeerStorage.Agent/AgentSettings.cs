using System.Globalization;
using Microsoft.Extensions.Configuration;
using PeerStorage.Core.Node;

namespace PeerStorage.Agent;

/// <summary>The agent's settings, read and checked once at start so a bad value fails with a clear message.</summary>
public sealed record AgentSettings(string NodePath, int? Port, string? Name, bool Initialize, IReadOnlyList<string> ConfigFiles,
    bool? DirectoryRole = null, string? DirectoryAddress = null)
{
    /// <summary>true: serve as a directory server (as Start-PeerDirectory); false: stop serving.</summary>
    public const string DirectoryRoleKey = "DirectoryRole";
    /// <summary>host:port of the directory server this node registers with (as Set-PeerNode -DirectoryAddress).</summary>
    public const string DirectoryAddressKey = "DirectoryAddress";
    public const string NodePathKey = "NodePath";
    public const string PortKey = "Port";
    public const string NameKey = "Name";
    public const string InitializeKey = "Initialize";

    public static AgentSettings From(IConfiguration configuration, IReadOnlyList<string> configFiles)
    {
        var nodePath = NodeHome.ResolvePath(configuration[NodePathKey]);
        return new AgentSettings(nodePath, ReadPort(configuration), ReadName(configuration), ReadInitialize(configuration), configFiles,
            ReadDirectoryRole(configuration), configuration[DirectoryAddressKey]?.Trim());
    }

    private static int? ReadPort(IConfiguration configuration)
    {
        var text = configuration[PortKey];
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new AgentConfigurationException($"Port '{text}' is not a number between 0 and 65535.");
        return port;
    }

    private static string? ReadName(IConfiguration configuration)
    {
        var name = configuration[NameKey];
        if (name is null) return null;
        name = name.Trim();
        return name.Length == 0 ? throw new AgentConfigurationException("Name is empty.") : name;
    }

    private static bool? ReadDirectoryRole(IConfiguration configuration)
    {
        var text = configuration[DirectoryRoleKey];
        if (string.IsNullOrWhiteSpace(text)) return null;
        return bool.TryParse(text, out var value) ? value : throw new AgentConfigurationException($"DirectoryRole '{text}' is not true or false.");
    }

    private static bool ReadInitialize(IConfiguration configuration)
    {
        var text = configuration[InitializeKey];
        if (string.IsNullOrWhiteSpace(text)) return false;
        return bool.TryParse(text, out var value) ? value : throw new AgentConfigurationException($"Initialize '{text}' is not true or false.");
    }
}
