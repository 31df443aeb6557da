using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Node;
using PeerStorage.PowerShell.Jobs;

namespace PeerStorage.PowerShell.Infrastructure;

/// <summary>A cmdlet that works on a node home: -NodePath (from the pipeline by property name), else $env:PEERSTORAGE_HOME, else the per-user default.</summary>
public abstract class NodeCmdlet : PeerStorageCmdlet
{
    /// <summary>
    /// <para>The node home folder. Defaults to $env:PEERSTORAGE_HOME, then to a PeerStorage folder in the user's
    /// local application data.</para>
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "$env:PEERSTORAGE_HOME, else the per-user PeerStorage folder")]
    public string? NodePath { get; set; }

    /// <summary>The absolute node home path, with PowerShell's current location for relative paths.</summary>
    internal string ResolvedNodePath =>
        NodePath is null ? NodeHome.DefaultPath() : GetUnresolvedProviderPathFromPSPath(NodePath);

    /// <summary>The node session for -NodePath; a missing or damaged home ends this item with an error.</summary>
    internal bool TryGetSession(out NodeSession session)
    {
        try
        {
            session = NodeSessions.Get(ResolvedNodePath);
            return true;
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e));
            session = null!;
            return false;
        }
    }

    /// <summary>
    /// Runs long work through the engine's job runner (so it leaves a durable run record): as a PowerShell job with
    /// -AsJob, else here with progress and Ctrl+C.
    /// </summary>
    internal void RunLongWork(NodeSession session, JobSpec spec, Func<JobContext, Task> work, bool asJob)
    {
        if (asJob)
        {
            var job = new PeerStorageJob(MyInvocation.Line, $"{spec.Kind}:{session.Home.Name}", session.Home.Path);
            job.Start(session.Runner, spec, work);
            JobRepository.Add(job);
            WriteObject(job);
            return;
        }
        RunEngine(async (observer, cancellationToken) =>
        {
            var run = session.Runner.Start(spec, work, observer);
            await using (cancellationToken.Register(run.Stop))
                await run.Completion.ConfigureAwait(false);
            switch (run.State)
            {
                case PeerJobState.Stopped: throw new OperationCanceledException(cancellationToken);
                case PeerJobState.Failed when run.Error is PeerStorageException e: throw e;
                case PeerJobState.Failed: throw new PeerStorageException(spec.Kind + "Failed", PeerErrorKind.Unspecified, run.Error?.Message ?? "Failed.", run.Error);
            }
        });
    }
}
