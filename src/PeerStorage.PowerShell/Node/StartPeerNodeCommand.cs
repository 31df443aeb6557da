using System.Management.Automation;
using PeerStorage.PowerShell.Infrastructure;
using PeerStorage.PowerShell.Jobs;

namespace PeerStorage.PowerShell.Node;

/// <summary>
/// <para type="synopsis">Runs the node's listeners in this PowerShell session, as a job.</para>
/// <para type="description">Start-PeerNode starts the engine's listeners for a node home and returns a job that
/// runs until Stop-PeerNode, Stop-Job or the end of the session. It returns once the node listens (or writes an
/// error, for example when the port is taken). The job's output is the running node. For a node that should outlive
/// the session, run the PeerStorage agent service instead.</para>
/// </summary>
/// <example>
/// <code>$job = Start-PeerNode -NodePath /srv/peerstorage; Get-PeerNode -NodePath /srv/peerstorage</code>
/// <para>Starts the node and shows it with State Running.</para>
/// </example>
/// <example>
/// <code>Start-PeerNode | Receive-Job -Wait -AutoRemoveJob</code>
/// <para>Runs the node until Ctrl+C, showing what it reports.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Start, "PeerNode", SupportsShouldProcess = true)]
[OutputType(typeof(Job))]
public sealed class StartPeerNodeCommand : NodeCmdlet
{
    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        if (!ShouldProcess($"{home.Name} ({home.NodeId})", "Start the node's listeners")) return;
        if (NodeJobs.Start(this, session) is { } job) WriteObject(job);
    }
}
