using System.Collections.Concurrent;
using PeerStorage.Core.Logging;
using PeerStorage.Core.State;
using Serilog;

namespace PeerStorage.Core.Jobs;

/// <summary>
/// Runs long work: queued into named pools with a throttle each, cancellable, reporting output, errors, progress and
/// log events to an observer, and leaving a durable record in the node's state database.
/// </summary>
public sealed class JobRunner : IAsyncDisposable
{
    private readonly StateDatabase _db;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _pools = new(StringComparer.OrdinalIgnoreCase);
    private readonly IReadOnlyDictionary<string, int> _throttles;
    private readonly ConcurrentDictionary<long, JobRun> _active = new();

    public JobRunner(StateDatabase db, ILogger log, IReadOnlyDictionary<string, int>? throttles = null)
    {
        _db = db;
        _log = log;
        _throttles = throttles ?? JobPools.DefaultThrottles;
        var interrupted = JobRecords.MarkInterrupted(db);
        if (interrupted > 0) _log.Warning("{Count} run(s) ended when their process did; marked Interrupted", interrupted);
    }

    public IReadOnlyCollection<JobRun> Active => _active.Values.ToArray();

    public int ThrottleOf(string pool) => _throttles.TryGetValue(pool, out var n) ? n : _throttles.GetValueOrDefault(JobPools.Default, 4);

    /// <summary>Queues <paramref name="work"/>; returns at once with the run (its Completion ends with it).</summary>
    public JobRun Start(JobSpec spec, Func<JobContext, Task> work, IOperationObserver observer)
    {
        var id = JobRecords.Insert(_db, spec);
        var run = new JobRun(id, spec);
        _active[id] = run;
        var pool = _pools.GetOrAdd(spec.Pool, p => new SemaphoreSlim(ThrottleOf(p)));
        // The relay scope must be opened inside the run's own flow so that its log events reach this observer only.
        _ = Task.Run(async () =>
        {
            using var relay = LogRelay.Begin(observer.Log);
            await ExecuteAsync(run, pool, work, observer).ConfigureAwait(false);
        });
        return run;
    }

    private async Task ExecuteAsync(JobRun run, SemaphoreSlim pool, Func<JobContext, Task> work, IOperationObserver observer)
    {
        var context = new JobContext(run, observer, _log, run.CancellationToken);
        var entered = false;
        try
        {
            await pool.WaitAsync(run.CancellationToken).ConfigureAwait(false);
            entered = true;
            // A stop that raced with the slot being granted still means "never start".
            run.CancellationToken.ThrowIfCancellationRequested();
            JobRecords.MarkStarted(_db, run.Id);
            run.SetState(PeerJobState.Running);
            context.Logger.Debug("Run {JobId} ({Kind}) started: {Description}", run.Id, run.Kind, run.Spec.Description);
            await work(context).ConfigureAwait(false);
            run.CancellationToken.ThrowIfCancellationRequested();
            Finish(run, context, PeerJobState.Completed, null);
        }
        catch (OperationCanceledException) when (run.CancellationToken.IsCancellationRequested)
        {
            Finish(run, context, PeerJobState.Stopped, null);
        }
        catch (Exception e)
        {
            context.Logger.Error(e, "Run {JobId} ({Kind}) failed", run.Id, run.Kind);
            Finish(run, context, PeerJobState.Failed, e);
        }
        finally
        {
            if (entered) pool.Release();
            _active.TryRemove(run.Id, out _);
        }
    }

    private void Finish(JobRun run, JobContext context, PeerJobState state, Exception? error)
    {
        run.Bytes = context.Bytes;
        try
        {
            JobRecords.MarkEnded(_db, run.Id, state, context.Bytes, error?.Message);
        }
        catch (Exception e)
        {
            _log.Warning(e, "Could not record the end of run {JobId}", run.Id);
        }
        run.SetState(state, error);
    }

    /// <summary>Stops every active run and waits for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        var runs = _active.Values.ToArray();
        foreach (var run in runs) run.Stop();
        await Task.WhenAll(runs.Select(r => r.Completion)).ConfigureAwait(false);
    }
}
