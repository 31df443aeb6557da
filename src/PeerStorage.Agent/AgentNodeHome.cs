using System.Globalization;
using Microsoft.Extensions.Logging;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;

namespace PeerStorage.Agent;

/// <summary>Opens (or with --Initialize creates) the node home and applies the agent's Port and Name to it.</summary>
public static class AgentNodeHome
{
    public const string LogComponent = "Agent";

    public static NodeHome Open(AgentSettings settings, ILogger log)
    {
        if (settings.Initialize && !NodeHome.IsInitialized(settings.NodePath))
        {
            // Initialize returns a home whose file log is tagged "Node"; reopen it so the agent's lines say "Agent".
            NodeHome.Initialize(settings.NodePath, new NodeInitOptions(settings.Name, settings.Port)).Dispose();
            log.LogInformation("Created a node home in {Path}", settings.NodePath);
        }
        var home = NodeHome.Open(settings.NodePath, LogComponent);
        try
        {
            RefuseIfRunning(home);
            ApplySettings(home, settings, log);
            return home;
        }
        catch
        {
            home.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A running node follows its settings, and the agent writes its Port and Name into them: without this check a
    /// second agent would move the running node to its own port before the runtime refused to start twice.
    /// </summary>
    private static void RefuseIfRunning(NodeHome home)
    {
        if (NodeRuntimeRecord.Read(home.State) is { IsAlive: true } running)
            throw new PeerStorageException("NodeAlreadyRunning", PeerErrorKind.InvalidOperation,
                $"The node in '{home.Path}' already runs in process {running.ProcessId} on {running.Host} (port {running.Port}). Stop it first.", target: running.ProcessId);
    }

    /// <summary>
    /// Port and Name from the agent's configuration are written to the node's settings (as Set-PeerNode would) rather
    /// than held in memory, so Get-PeerNode in any session shows what the agent runs. Unchanged values are not rewritten.
    /// </summary>
    private static void ApplySettings(NodeHome home, AgentSettings settings, ILogger log)
    {
        var changes = new Dictionary<string, string?>();
        if (settings.Port is { } port && port != home.Port) changes[SettingKeys.Port] = port.ToString(CultureInfo.InvariantCulture);
        if (settings.Name is { } name && name != home.Name) changes[SettingKeys.Name] = name;
        if (settings.DirectoryRole is { } role) changes[SettingKeys.DirectoryRole] = role ? "on" : null;
        if (settings.DirectoryAddress is { } directory) changes[SettingKeys.DirectoryAddress] = directory.Length == 0 ? null : directory;
        if (changes.Count == 0) return;
        home.Settings.Set(changes);
        log.LogInformation("Applied the agent's configuration to the node: {Changes}", string.Join(", ", changes.Select(c => $"{c.Key}={c.Value}")));
    }
}
