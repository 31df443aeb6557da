namespace PeerStorage.Core.Jobs;

/// <summary>What to run: its kind (for Get-PeerJob -Kind), a description and the pool that throttles it.</summary>
public sealed record JobSpec(string Kind, string Description, string Pool = JobPools.Default);

/// <summary>One run in the job runner: its id (the durable record's), state, and a task that ends with it.</summary>
public sealed class JobRun
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile PeerJobState _state = PeerJobState.Queued;

    internal JobRun(long id, JobSpec spec)
    {
        Id = id;
        Spec = spec;
    }

    public long Id { get; }
    public JobSpec Spec { get; }
    public string Kind => Spec.Kind;
    public PeerJobState State => _state;
    public long Bytes { get; internal set; }
    /// <summary>The error that ended a failed run.</summary>
    public Exception? Error { get; private set; }
    /// <summary>Completes when the run has ended in any way (never faults: read State and Error).</summary>
    public Task Completion => _completion.Task;
    internal CancellationToken CancellationToken => _cancellation.Token;

    /// <summary>Raised on every state change, on the thread that changed it.</summary>
    public event Action<JobRun, PeerJobState>? StateChanged;

    /// <summary>Asks the run to stop; a queued run never starts, a running one sees its token cancelled.</summary>
    public void Stop()
    {
        try { _cancellation.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    internal void SetState(PeerJobState state, Exception? error = null)
    {
        _state = state;
        if (error is not null) Error = error;
        StateChanged?.Invoke(this, state);
        if (state is PeerJobState.Completed or PeerJobState.Failed or PeerJobState.Stopped)
        {
            _completion.TrySetResult();
            _cancellation.Dispose();
        }
    }
}

/// <summary>The runner's named pools. Each has its own throttle, so a queue of transfers never starves maintenance.</summary>
public static class JobPools
{
    public const string Default = "default";
    public const string Maintenance = "maintenance";
    public const string Transfer = "transfer";
    /// <summary>Long-lived services (a node's listeners): effectively unthrottled.</summary>
    public const string Service = "service";

    public static IReadOnlyDictionary<string, int> DefaultThrottles { get; } = new Dictionary<string, int>
    {
        [Default] = 4,
        [Maintenance] = 1,
        [Transfer] = 2,
        [Service] = 64,
    };
}
