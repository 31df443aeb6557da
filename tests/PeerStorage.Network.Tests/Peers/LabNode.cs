using System.Globalization;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;
using PeerStorage.Core.Trust;
using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Peers;

/// <summary>
/// A PeerStorage node on a lab host: its home on the shared filesystem, its agent running as a process inside the
/// host's namespace, and the shell to run cmdlets there as an admin would.
/// </summary>
internal sealed class LabNode
{
    public const int Port = 47620;
    private LabProcess? _agent;

    private LabNode(LabHost host, string home, string nodeId)
    {
        Host = host;
        Home = home;
        NodeId = nodeId;
    }

    public LabHost Host { get; }
    public string Home { get; }
    public string NodeId { get; }
    /// <summary>host:port, or [v6]:port on a bridge without IPv4.</summary>
    public string Address => new Core.Platform.HostPort(Host.Address.ToString(), Port).ToString();

    /// <summary>Creates the node home (and, with a fleet, enrolls it) the way the cmdlets would.</summary>
    public static LabNode Create(NetworkLab lab, LabHost host, FleetAuthority? fleet, string? directoryAddress = null)
    {
        var home = Path.Combine(lab.ScratchDirectory, "node-" + host.Name);
        using var node = NodeHome.Initialize(home, new NodeInitOptions(host.Name, Port));
        if (fleet is not null)
        {
            var request = FleetMembership.CreateRequest(node);
            FleetMembership.Install(node, FleetMembership.Approve(fleet, request.Request, request.NodeId, null, null).Certificate);
        }
        if (directoryAddress is not null) node.Settings.Set(SettingKeys.DirectoryAddress, directoryAddress);
        return new LabNode(host, home, node.NodeId.ToString());
    }

    /// <summary>Starts the agent in the host's namespace and waits until the node listens.</summary>
    public async Task StartAsync()
    {
        _agent = Host.Start([Programs.Dotnet, Programs.Agent, "--NodePath", Home, "--Port", Port.ToString(CultureInfo.InvariantCulture)],
            Programs.LabEnvironment, $"{Host.Name}:agent");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using (var home = NodeHome.Open(Home, "Test"))
                if (home.Describe().State == PeerNodeState.Running) return;
            if (_agent.HasExited) throw new InvalidOperationException($"The agent on {Host.Name} exited: {_agent.Describe()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The agent on {Host.Name} did not start: {_agent.Describe()}");
            await Task.Delay(100);
        }
    }

    public Task StopAsync() => _agent?.StopAsync(TimeSpan.FromSeconds(10)) ?? Task.CompletedTask;

    /// <summary>Runs PowerShell in this host's namespace through the shell, with $node set to the node home.</summary>
    public async Task<CommandResult> PowerShellAsync(string script)
    {
        var command = "$node = '" + Home.Replace("'", "''") + "'; " + script;
        return await Host.RunAsync(TimeSpan.FromSeconds(90), Programs.LabEnvironment, Programs.Dotnet, Programs.Shell, "-Command", command);
    }

    /// <summary>
    /// Test-PeerConnection from this node to another; returns "True|Fleet" on success, or the error id on failure.
    /// </summary>
    public async Task<string> TestConnectionAsync(LabNode to)
    {
        var result = await PowerShellAsync(
            $"$t = Test-PeerConnection -NodePath $node -NodeId '{to.NodeId}' -Address '{to.Address}' -ErrorVariable problem -ErrorAction SilentlyContinue; " +
            "if ($t.Success) { \"$($t.Success)|$($t.TrustedBy)\" } else { $problem[0].FullyQualifiedErrorId.Split(',')[0] }");
        Assert.True(result.ExitCode == 0, result.ToString());
        // The answer is the last line; warnings the cmdlet relays (a revocation learned on the way) come before it.
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }
}
