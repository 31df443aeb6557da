using System.Net.Security;
using System.Security.Authentication;
using Serilog.Events;

namespace PeerStorage.Core.Transport;

// The connection's liveness and end: keepalive pings, read/write/idle timeouts, graceful close after a goaway,
// refusal of a protocol violation, and the abort that fails whatever is still pending.
public sealed partial class PeerConnection
{
    /// <summary>
    /// Graceful close: tells the peer (GoAway) that no new stream will be accepted, lets open streams finish for up to
    /// <see cref="TransportOptions.CloseTimeout"/>, then closes TLS and the socket.
    /// </summary>
    public Task CloseAsync(CancellationToken cancellationToken = default) => CloseAsync("closed by this node", cancellationToken);

    internal async Task CloseAsync(string reason, CancellationToken cancellationToken)
    {
        GoAwayMessage? goAway = null;
        lock (_gate)
        {
            // Closing takes effect at once: from here on no new stream is opened or accepted.
            if (_closed == 0 && !_goAwaySent)
            {
                _goAwaySent = true;
                goAway = new GoAwayMessage(_highestRemoteStreamId, new ErrorMessage(PeerErrorKind.ConnectionError, TransportErrors.PeerConnectionClosing, reason));
            }
        }
        if (goAway is not null)
        {
            Log.Debug("Closing the connection with {Peer}: {Reason}", Describe(), reason);
            try
            {
                await LockWriterAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    await WriteLockedAsync(FrameType.GoAway, FrameFlags.None, 0, goAway.Encode()).ConfigureAwait(false);
                }
                finally
                {
                    Writer.Unlock();
                }
            }
            catch (PeerStorageException)
            {
                // Already closed (the last stream ended and TLS was shut down first), or the write failed and aborted.
            }
            FinishIfDrained(reason);
        }
        try
        {
            await Completion.WaitAsync(Options.CloseTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Abort($"{reason}; {ActiveStreams} stream(s) still open after {Options.CloseTimeout.TotalSeconds:0.#} s were dropped", LogEventLevel.Information);
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync("disposed", CancellationToken.None).ConfigureAwait(false);

    private async Task WatchdogAsync()
    {
        var o = Options;
        var shortest = Math.Min(o.KeepaliveInterval.Ticks, Math.Min(o.ReadTimeout.Ticks, o.WriteTimeout.Ticks));
        var period = TimeSpan.FromTicks(Math.Clamp(shortest / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_lifetime.Token).ConfigureAwait(false))
            {
                var now = Environment.TickCount64;
                var silentMs = now - Volatile.Read(ref _lastReceivedTicks);
                if (silentMs >= o.ReadTimeout.TotalMilliseconds)
                {
                    Abort($"nothing arrived for {silentMs} ms (read timeout {o.ReadTimeout.TotalSeconds:0.###} s)", LogEventLevel.Warning);
                    return;
                }
                var writeStarted = Writer.WriteStartedTicks;
                if (writeStarted != 0 && now - writeStarted >= o.WriteTimeout.TotalMilliseconds)
                {
                    Abort($"a write made no progress for {now - writeStarted} ms (write timeout {o.WriteTimeout.TotalSeconds:0.###} s): the peer stopped reading", LogEventLevel.Warning);
                    return;
                }
                if (silentMs >= o.KeepaliveInterval.TotalMilliseconds && now - _lastKeepaliveTicks >= o.KeepaliveInterval.TotalMilliseconds)
                {
                    _lastKeepaliveTicks = now;
                    if (Volatile.Read(ref _pendingControlFrames) < MaxPendingControlFrames)
                    {
                        Interlocked.Increment(ref _pendingControlFrames);
                        _ = SendControlAsync(FrameType.Ping, FrameFlags.None, 0, null, 0);
                    }
                }
                bool idle;
                lock (_gate) idle = _streams.Count == 0 && !_goAwaySent && _idleSinceTicks != 0 && now - _idleSinceTicks >= o.IdleTimeout.TotalMilliseconds;
                if (idle) _ = CloseAsync($"idle for {o.IdleTimeout.TotalSeconds:0.###} s", CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>After a goaway and with no stream left: end TLS politely (close_notify), then the connection.</summary>
    private void FinishIfDrained(string reason)
    {
        lock (_gate)
        {
            if (_streams.Count != 0 || !(_goAwaySent || _goAwayReceived)) return;
        }
        if (Interlocked.Exchange(ref _finishing, 1) != 0) return;
        _ = FinishAsync(reason);
    }

    private async Task FinishAsync(string reason)
    {
        try
        {
            await LockWriterAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (PeerStorageException)
        {
            return; // already closed
        }
        try
        {
            if (_transport is SslStream tls) await tls.ShutdownAsync().WaitAsync(GoAwayWriteTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException || IsTransportFailure(e))
        {
        }
        finally
        {
            // Aborted before the lock is released: no queued write can reach the shut-down stream.
            Abort(reason, LogEventLevel.Debug);
            Writer.Unlock();
        }
    }

    /// <summary>The peer broke the protocol: tell it why if it still listens (briefly), log, and drop this connection only.</summary>
    private async Task RefuseAsync(string violation)
    {
        uint lastProcessed;
        lock (_gate) lastProcessed = _highestRemoteStreamId;
        var goAway = new GoAwayMessage(lastProcessed, new ErrorMessage(PeerErrorKind.ConnectionError, TransportErrors.PeerProtocolError, violation));
        try
        {
            await Writer.WriteAsync(FrameType.GoAway, FrameFlags.None, 0, goAway.Encode(), _lifetime.Token).AsTask().WaitAsync(GoAwayWriteTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException || IsTransportFailure(e))
        {
        }
        Abort($"protocol violation: {violation}", LogEventLevel.Warning);
    }

    /// <summary>Ends the connection now: fails pending calls and open streams, closes the transport. Idempotent.</summary>
    internal void Abort(string reason, LogEventLevel level)
    {
        PeerStream[] streams;
        lock (_gate)
        {
            if (_closed != 0) return;
            CloseReason = reason;
            _failure = TransportErrors.ConnectionLost(Describe(), reason);
            Volatile.Write(ref _closed, 1); // after _failure: whoever sees closed also sees why
            streams = _streams.Values.ToArray();
            _streams.Clear();
        }
        Log.Write(level, "Connection with {Peer} closed: {Reason}", Describe(), reason);
        _lifetime.Cancel();
        foreach (var stream in streams) stream.OnConnectionLost(Failure);
        foreach (var ping in _pings.Values) ping.TrySetException(Failure);
        try
        {
            _transport.Dispose();
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
        }
        _completion.TrySetResult();
    }

    internal static bool IsTransportFailure(Exception e) =>
        e is IOException or ObjectDisposedException or OperationCanceledException or AuthenticationException or System.Net.Sockets.SocketException or NotSupportedException;
}
