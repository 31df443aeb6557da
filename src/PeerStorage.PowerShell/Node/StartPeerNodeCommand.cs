using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Node;
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
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        if (!ShouldProcess($"{home.Name} ({home.NodeId})", "Start the node's listeners")) return;

        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var job = new PeerStorageJob(MyInvocation.Line, $"PeerNode:{home.Name}", home.Path);
        job.Start(session.Runner, new JobSpec("PeerNode", $"Node {home.Name} listening", JobPools.Service), async context =>
        {
            NodeRuntime runtime;
            try
            {
                runtime = await NodeRuntime.StartAsync(home, context.CancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                listening.TrySetException(e);
                throw;
            }
            await using (runtime.ConfigureAwait(false))
            {
                listening.TrySetResult(runtime.Port);
                context.Output(home.Describe());
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await runtime.StopAsync().ConfigureAwait(false);
                }
            }
        });

        try
        {
            // Report a failure to start here, where the script can catch it, not only in the job.
            RunEngine(async (_, cancellationToken) => await listening.Task.WaitAsync(StartTimeout, cancellationToken).ConfigureAwait(false));
        }
        catch (PeerStorageException e)
        {
            job.Dispose();
            WriteError(ErrorRecords.From(e));
            return;
        }
        catch (Exception e) when (e is TimeoutException or PipelineStoppedException)
        {
            job.StopJob();
            job.Dispose();
            if (e is PipelineStoppedException) throw;
            WriteError(ErrorRecords.From(new PeerStorageException("NodeStartTimeout", PeerErrorKind.ResourceUnavailable,
                $"The node did not start listening within {StartTimeout.TotalSeconds:0} s.", e, home.Path)));
            return;
        }
        JobRepository.Add(job);
        WriteObject(job);
    }
}
