using System.Management.Automation;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;
using PeerStorage.PowerShell.Infrastructure;
using PeerStorage.PowerShell.Jobs;

namespace PeerStorage.PowerShell.Network;

/// <summary>
/// <para type="synopsis">Makes the node a directory server: trusted peers register their addresses with it and look each other up.</para>
/// <para type="description">Start-PeerDirectory turns the node's directory role on (a setting, so a node run by the
/// agent takes it up within a second). If the node is not running anywhere, it starts it in this session and returns
/// the node's job; if it already runs in this session, it returns that job. Peers point at it with
/// Set-PeerNode -DirectoryAddress host:port.</para>
/// </summary>
/// <example>
/// <code>$directory = Start-PeerDirectory -NodePath /srv/directory
/// Invoke-Command -ComputerName $fleet { Set-PeerNode -DirectoryAddress 'directory.example.org:47620' }</code>
/// <para>Runs a directory and points the fleet at it.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Start, "PeerDirectory", SupportsShouldProcess = true)]
[OutputType(typeof(Job))]
public sealed class StartPeerDirectoryCommand : NodeCmdlet
{
    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        if (!ShouldProcess($"{home.Name} ({home.NodeId})", "Serve as a directory server")) return;
        RunEngine((_, _) => { home.Settings.Set(SettingKeys.DirectoryRole, "on"); return Task.CompletedTask; });

        var running = NodeRuntimeRecord.Read(home.State);
        var job = NodeJobs.Find(JobRepository, home.Path);
        if (job is not null) WriteObject(job);
        else if (running?.IsAlive == true) WriteVerbose($"The node runs in process {running.ProcessId}; it serves the directory from now on.");
        else if (NodeJobs.Start(this, session) is { } started) WriteObject(started);
    }
}
