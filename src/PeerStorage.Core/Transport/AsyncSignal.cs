using System.Threading.Tasks.Sources;

namespace PeerStorage.Core.Transport;

/// <summary>
/// A reusable wake-up for one waiter (a stream's reader, or its writer waiting for window). A Set with nobody
/// waiting is remembered, so a wake-up is never lost; waiters re-check their condition, so an extra one is harmless.
/// Waiting allocates nothing, which keeps the bulk path free of per-frame garbage.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private readonly object _gate = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private bool _signaled;
    private bool _waiting;

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        short version;
        lock (_gate)
        {
            if (_signaled)
            {
                _signaled = false;
                return ValueTask.CompletedTask;
            }
            if (_waiting) throw new InvalidOperationException("Only one caller at a time may wait (a stream allows one reader and one writer).");
            cancellationToken.ThrowIfCancellationRequested();
            _waiting = true;
            _core.Reset();
            version = _core.Version;
        }
        if (cancellationToken.CanBeCanceled)
            _registration = cancellationToken.UnsafeRegister(static (state, token) => ((AsyncSignal)state!).Cancel(token), this);
        return new ValueTask(this, version);
    }

    public void Set()
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                _signaled = true;
                return;
            }
            _waiting = false;
        }
        _core.SetResult(true);
    }

    private void Cancel(CancellationToken token)
    {
        lock (_gate)
        {
            if (!_waiting) return;
            _waiting = false;
        }
        _core.SetException(new OperationCanceledException(token));
    }

    void IValueTaskSource.GetResult(short token)
    {
        var registration = _registration;
        _registration = default;
        registration.Dispose();
        _core.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
