using System.Management.Automation;
using PeerStorage.Core.Node;
using PeerStorage.PowerShell.Infrastructure;
using PeerStorage.PowerShell.Jobs;

namespace PeerStorage.PowerShell.Node;

/// <summary>
/// <para type="synopsis">Stops a node that runs in this PowerShell session.</para>
/// <para type="description">Stop-PeerNode stops the job that Start-PeerNode created for the node home: the node
/// stops listening, and its runtime record and job record are closed. A node that does not run is left alone. A node
/// run by the agent service is stopped with the service manager (systemctl stop peerstorage-agent); Stop-PeerNode
/// says so with an error.</para>
/// </summary>
/// <example>
/// <code>Stop-PeerNode -NodePath /srv/peerstorage -PassThru</code>
/// <para>Stops the node and returns it, now with State Stopped.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Stop, "PeerNode", SupportsShouldProcess = true)]
[OutputType(typeof(PeerNode))]
public sealed class StopPeerNodeCommand : NodeCmdlet
{
    /// <summary><para>Returns the node after it stopped.</para></summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        var jobs = NodeJobs.Running(JobRepository, home.Path).ToList();
        if (jobs.Count == 0)
        {
            var runtime = NodeRuntimeRecord.Read(home.State);
            if (runtime?.IsAlive == true)
            {
                WriteError(ErrorRecords.From(new PeerStorageException("NodeRunsElsewhere", PeerErrorKind.InvalidOperation,
                    $"The node runs in process {runtime.ProcessId} on {runtime.Host}, not in this session. Stop that process or the agent service.",
                    target: home.Path)));
                return;
            }
            WriteVerbose($"The node {home.Name} is not running.");
        }
        else if (ShouldProcess($"{home.Name} ({home.NodeId})", "Stop the node"))
        {
            foreach (var job in jobs) RunEngine((_, _) => { job.StopJob(); return Task.CompletedTask; });
        }
        if (PassThru) WriteObject(home.Describe());
    }
}
