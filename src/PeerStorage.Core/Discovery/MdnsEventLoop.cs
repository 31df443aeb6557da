using System.Collections.Concurrent;
using System.Diagnostics;
using Serilog;

namespace PeerStorage.Core.Discovery;

/// <summary>
/// Runs a responder's or browser's protocol logic on one task: received packets, API calls and timers are handled
/// one at a time, so the protocol state needs no locks. Packets queue up to a bound and are dropped beyond it, so a
/// flood costs bounded memory.
/// </summary>
internal sealed class MdnsEventLoop : IAsyncDisposable
{
    private const int MaxQueuedPackets = 1024;

    private readonly ILogger _log;
    private readonly ConcurrentQueue<Action> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly PriorityQueue<Timer, TimeSpan> _timers = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly long _origin = Stopwatch.GetTimestamp();
    private int _queuedPackets;
    private Task _run = Task.CompletedTask;

    public MdnsEventLoop(ILogger log) => _log = log;

    /// <summary>Monotonic time since the loop was created.</summary>
    public TimeSpan Now => Stopwatch.GetElapsedTime(_origin);

    public void Start() => _run = Task.Run(RunAsync);

    /// <summary>Queues work (from any thread).</summary>
    public void Post(Action work)
    {
        _queue.Enqueue(work);
        _wake.Release();
    }

    /// <summary>Queues a received packet's handling unless too many are waiting already.</summary>
    public bool TryPostPacket(Action work)
    {
        if (Interlocked.Increment(ref _queuedPackets) > MaxQueuedPackets)
        {
            Interlocked.Decrement(ref _queuedPackets);
            return false;
        }
        Post(() =>
        {
            Interlocked.Decrement(ref _queuedPackets);
            work();
        });
        return true;
    }

    /// <summary>Runs work on the loop and returns its result.</summary>
    public Task<T> InvokeAsync<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_stopping.IsCancellationRequested)
        {
            done.SetException(new ObjectDisposedException(nameof(MdnsEventLoop)));
            return done.Task;
        }
        Post(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    public Task InvokeAsync(Action work) => InvokeAsync(() =>
    {
        work();
        return true;
    });

    /// <summary>Runs work after a delay (call on the loop). Cancel the returned timer to skip it.</summary>
    public Timer Schedule(TimeSpan delay, Action work)
    {
        var timer = new Timer(work);
        _timers.Enqueue(timer, Now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay));
        return timer;
    }

    private async Task RunAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            RunDueTimers();
            while (!_stopping.IsCancellationRequested && _queue.TryDequeue(out var work))
            {
                Run(work);
                RunDueTimers();
            }
            var wait = Timeout.InfiniteTimeSpan;
            if (_timers.TryPeek(out _, out var due)) wait = due > Now ? due - Now : TimeSpan.Zero;
            try
            {
                await _wake.WaitAsync(wait, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void RunDueTimers()
    {
        while (_timers.TryPeek(out var timer, out var due) && due <= Now)
        {
            _timers.Dequeue();
            if (!timer.Cancelled) Run(timer.Work);
        }
    }

    private void Run(Action work)
    {
        try
        {
            work();
        }
        catch (Exception e)
        {
            _log.Error(e, "mDNS protocol step failed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        await _run.ConfigureAwait(false);
        // The semaphore and token source stay undisposed: a late Post from a socket thread must not throw.
    }

    /// <summary>A scheduled step.</summary>
    public sealed class Timer(Action work)
    {
        public Action Work { get; } = work;
        public bool Cancelled { get; private set; }
        public void Cancel() => Cancelled = true;
    }
}
