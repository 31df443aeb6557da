using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Node;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Jobs;

/// <summary>The PowerShell jobs that run nodes in this session: started by Start-PeerNode and Start-PeerDirectory, found by Stop-PeerNode.</summary>
internal static class NodeJobs
{
    private const string NamePrefix = "PeerNode:";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The running node jobs of a node home in this session.</summary>
    public static IEnumerable<PeerStorageJob> Running(JobRepository repository, string nodePath) =>
        repository.Jobs.OfType<PeerStorageJob>().Where(j => j.Name.StartsWith(NamePrefix, StringComparison.Ordinal)
            && string.Equals(j.Location, nodePath, StringComparison.Ordinal)
            && j.JobStateInfo.State is JobState.Running or JobState.NotStarted);

    public static PeerStorageJob? Find(JobRepository repository, string nodePath) => Running(repository, nodePath).FirstOrDefault();

    /// <summary>
    /// Starts the node's listeners in a job and waits until it listens, so a failure to start (port taken, already
    /// running) reaches the caller as an error record rather than only the job. Returns null after writing that error.
    /// </summary>
    public static PeerStorageJob? Start(NodeCmdlet cmdlet, NodeSession session)
    {
        var home = session.Home;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var job = new PeerStorageJob(cmdlet.MyInvocation.Line, NamePrefix + home.Name, home.Path);
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
            cmdlet.RunEngine(async (_, cancellationToken) => await listening.Task.WaitAsync(StartTimeout, cancellationToken).ConfigureAwait(false));
        }
        catch (PeerStorageException e)
        {
            job.Dispose();
            cmdlet.WriteError(ErrorRecords.From(e));
            return null;
        }
        catch (Exception e) when (e is TimeoutException or PipelineStoppedException)
        {
            job.Dispose();
            if (e is PipelineStoppedException) throw;
            cmdlet.WriteError(ErrorRecords.From(new PeerStorageException("NodeStartTimeout", PeerErrorKind.ResourceUnavailable,
                $"The node did not start listening within {StartTimeout.TotalSeconds:0} s.", e, home.Path)));
            return null;
        }
        cmdlet.JobRepository.Add(job);
        return job;
    }
}
