using System.Buffers;
using System.Runtime.CompilerServices;

namespace PeerStorage.Core.Transport;

/// <summary>
/// One stream of a peer connection, readable and writable at once. Writes wait for the peer's window, so a slow
/// reader on the other side slows the writer down instead of filling memory; reads return window to the peer as
/// they consume bytes. <see cref="CompleteWritesAsync"/> ends this side's data (the peer reads end of stream);
/// disposing a stream that has not ended both ways cancels it with an error frame, so an interrupted upload is never
/// mistaken for a complete one. Cancelling a ReadAsync or WriteAsync call only stops that call.
/// </summary>
public sealed class PeerStream : Stream
{
    private readonly PeerConnection _connection;
    private readonly object _gate = new();
    private readonly ReceiveBuffer _received = new();
    private readonly AsyncSignal _readable = new();
    private readonly AsyncSignal _writable = new();
    private readonly CancellationTokenSource? _terminated; // for handlers: cancelled when the stream is reset or lost
    private readonly int _windowUpdateThreshold;
    private int _receiveCredit;  // bytes the peer may still send
    private int _unacknowledged; // bytes read but not yet returned to the peer as window
    private long _sendCredit;    // bytes this side may still send
    private bool _remoteEnded;   // no more data will arrive
    private bool _localEnded;    // this side sent its end (EndStream or Reset); set under the write lock
    private bool _finished;      // both ended: removed from the connection
    private bool _disposed;
    private Exception? _readError;
    private Exception? _writeError;

    internal PeerStream(PeerConnection connection, uint id, string method, bool openedLocally, int sendCredit, int receiveCredit)
    {
        _connection = connection;
        Id = id;
        Method = method;
        OpenedLocally = openedLocally;
        _sendCredit = sendCredit;
        _receiveCredit = receiveCredit;
        _windowUpdateThreshold = connection.Options.WindowUpdateThreshold;
        if (!openedLocally) _terminated = new CancellationTokenSource();
    }

    public uint Id { get; }
    public string Method { get; }
    public PeerConnection Connection => _connection;
    internal bool OpenedLocally { get; }
    internal CancellationToken TerminatedToken => _terminated?.Token ?? CancellationToken.None;

    /// <summary>True once the stream was reset by either side or its connection was lost.</summary>
    internal bool IsTerminated
    {
        get { lock (_gate) return _writeError is not null; }
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            int copied;
            var increment = 0;
            lock (_gate)
            {
                if (_readError is not null) throw _readError;
                copied = _received.CopyTo(buffer.Span);
                if (copied == 0 && _remoteEnded) return 0;
                if (copied > 0 && !_remoteEnded)
                {
                    // Window goes back in batches: one update per quarter window, not one per read.
                    _unacknowledged += copied;
                    if (_unacknowledged >= _windowUpdateThreshold)
                    {
                        increment = _unacknowledged;
                        _receiveCredit += increment;
                        _unacknowledged = 0;
                    }
                }
            }
            if (copied > 0)
            {
                if (increment > 0) await _connection.SendWindowUpdateAsync(Id, increment).ConfigureAwait(false);
                return copied;
            }
            await _readable.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return buffer.IsEmpty ? ValueTask.CompletedTask : WriteCoreAsync(buffer, endStream: false, cancellationToken);
    }

    /// <summary>Ends this side's data: the peer's reads return end of stream once it has read everything before.</summary>
    public Task CompleteWritesAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            if (_localEnded && _writeError is null) return Task.CompletedTask;
            if (PeerStoppedAfterAllItsData()) return Task.CompletedTask;
        }
        return EndWritesAsync(cancellationToken);
    }

    private async Task EndWritesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WriteCoreAsync(ReadOnlyMemory<byte>.Empty, endStream: true, cancellationToken).ConfigureAwait(false);
        }
        catch (PeerStorageException) when (PeerStoppedAfterAllItsDataNow())
        {
            // The peer's stop arrived after the check above, while the end waited for the write lock (and the
            // connection may have closed since): the same case, only read a moment later, so it ends the same way.
        }
    }

    /// <summary>
    /// Under the lock: the peer sent all its data, then stopped listening (its handler finished before this side's end
    /// reached it): nothing is left to complete.
    /// </summary>
    private bool PeerStoppedAfterAllItsData() =>
        _writeError is PeerRemoteException { ErrorId: TransportErrors.PeerStreamClosed } && _readError is null;

    private bool PeerStoppedAfterAllItsDataNow()
    {
        lock (_gate) return PeerStoppedAfterAllItsData();
    }

    /// <summary>Abandons the stream both ways and tells the peer (an error frame with PeerStreamCancelled); other streams are unaffected.</summary>
    public ValueTask CancelAsync() =>
        ResetAsync(new ErrorMessage(PeerErrorKind.Stopped, TransportErrors.PeerStreamCancelled, $"The '{Method}' stream was cancelled by the other side."),
            TransportErrors.StreamCancelled(_connection.Describe(), Method));

    /// <summary>
    /// After a handler returned normally: if the peer is still sending, tell it this side stopped listening
    /// (PeerStreamClosed). The peer can still read everything this side sent.
    /// </summary>
    internal ValueTask CloseAfterHandlerAsync()
    {
        if (EndedBothWays()) return ValueTask.CompletedTask;
        var message = $"'{Method}' finished on node {_connection.LocalNodeId.Short} before reading everything sent to it.";
        return ResetAsync(new ErrorMessage(PeerErrorKind.Stopped, TransportErrors.PeerStreamClosed, message),
            new PeerStorageException(TransportErrors.PeerStreamClosed, PeerErrorKind.Stopped, message));
    }

    /// <summary>Writes <paramref name="buffer"/> in frames as the peer's window allows; with endStream the last frame carries the end.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    internal async ValueTask WriteCoreAsync(ReadOnlyMemory<byte> buffer, bool endStream, CancellationToken cancellationToken)
    {
        var writer = _connection.Writer;
        do
        {
            int chunk;
            lock (_gate)
            {
                ThrowIfWritesEnded();
                chunk = (int)Math.Min(Math.Min(_sendCredit, buffer.Length), writer.MaxPayload);
                _sendCredit -= chunk;
            }
            if (chunk == 0 && !buffer.IsEmpty)
            {
                await _writable.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            var last = endStream && chunk == buffer.Length;
            bool finished;
            try
            {
                await _connection.LockWriterAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                lock (_gate) _sendCredit += chunk; // nothing was sent
                throw;
            }
            try
            {
                if (last)
                {
                    // Ended and counted out while the write lock is held, before the frame leaves: the peer can react
                    // to it at once (open the next stream), and no frame of ours can overtake it.
                    lock (_gate)
                    {
                        ThrowIfWritesEnded();
                        _localEnded = true;
                        finished = TryFinish();
                    }
                    if (finished) _connection.OnStreamFinished(this);
                }
                await _connection.WriteLockedAsync(FrameType.Data, last ? FrameFlags.EndStream : FrameFlags.None, Id, buffer.Span[..chunk]).ConfigureAwait(false);
            }
            finally
            {
                _connection.Writer.Unlock();
            }
            buffer = buffer[chunk..];
        } while (!buffer.IsEmpty);
    }

    /// <summary>The Open frame itself carries this side's end (a request whose whole body fit in it). Called under the write lock.</summary>
    internal void MarkLocalEndForOpen()
    {
        lock (_gate) _localEnded = true;
    }

    /// <summary>Reads until the peer ends its data; more than <paramref name="limit"/> bytes cancels the stream.</summary>
    internal async Task<byte[]> ReadToEndAsync(int limit, CancellationToken cancellationToken)
    {
        var collected = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var n = await ReadAsync(collected.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
            if (n == 0) return collected.WrittenSpan.ToArray();
            collected.Advance(n);
            if (collected.WrittenCount > limit)
            {
                var error = TransportErrors.MessageTooLarge(_connection.Describe(), Method, limit);
                await ResetAsync(new ErrorMessage(error.Kind, error.ErrorId, error.Message), error).ConfigureAwait(false);
                throw error;
            }
        }
    }

    /// <summary>Ends the stream abnormally: sends an error frame unless both sides already ended, and fails pending calls.</summary>
    internal async ValueTask ResetAsync(ErrorMessage error, Exception localError)
    {
        lock (_gate)
        {
            if (_finished || _writeError is not null) return;
        }
        try
        {
            await _connection.LockWriterAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (PeerStorageException)
        {
            return; // the connection is gone; its loss already failed this stream
        }
        try
        {
            bool send;
            var finished = false;
            lock (_gate)
            {
                send = !_finished && _writeError is null;
                if (send) finished = Terminate(localError);
            }
            if (finished) _connection.OnStreamFinished(this); // before the frame leaves, as for an EndStream
            if (send) await _connection.WriteLockedAsync(FrameType.Reset, FrameFlags.None, Id, error.Encode()).ConfigureAwait(false);
        }
        catch (PeerStorageException)
        {
            // The connection broke while sending; it fails every stream itself.
        }
        finally
        {
            _connection.Writer.Unlock();
        }
        Wake();
    }

    // ---- called by the connection's read loop ----

    /// <summary>
    /// Checks an arriving Data frame against the stream's state and window before its payload is read. False means
    /// drop the payload (this side already abandoned the stream; bytes in flight are expected).
    /// </summary>
    internal bool BeginData(int length)
    {
        lock (_gate)
        {
            if (_writeError is not null) return false;
            if (_remoteEnded)
                throw new ProtocolViolationException($"data on stream {Id} after its end");
            if (length > _receiveCredit)
                throw new ProtocolViolationException($"window overflow on stream {Id}: {length} bytes sent, {_receiveCredit} allowed");
            _receiveCredit -= length;
            return true;
        }
    }

    internal void DeliverCopy(ReadOnlySpan<byte> payload, bool endStream)
    {
        bool finished;
        lock (_gate)
        {
            if (_writeError is not null) return;
            _received.AppendCopy(payload);
            if (endStream) _remoteEnded = true;
            finished = TryFinish();
        }
        _readable.Set();
        if (finished) _connection.OnStreamFinished(this);
    }

    internal void DeliverOwned(byte[] pooledArray, int length, bool endStream)
    {
        bool finished;
        lock (_gate)
        {
            if (_writeError is not null)
            {
                ArrayPool<byte>.Shared.Return(pooledArray);
                return;
            }
            _received.AppendOwned(pooledArray, length);
            if (endStream) _remoteEnded = true;
            finished = TryFinish();
        }
        _readable.Set();
        if (finished) _connection.OnStreamFinished(this);
    }

    internal void AddSendCredit(uint increment)
    {
        lock (_gate)
        {
            if (_writeError is not null || _localEnded) return;
            if (_sendCredit + increment > int.MaxValue)
                throw new ProtocolViolationException($"window overflow on stream {Id}: an update of {increment} raises the window above 2^31-1");
            _sendCredit += increment;
        }
        _writable.Set();
    }

    /// <summary>The peer sent an error frame: writes fail with it, and reads too unless the peer had already sent all its data.</summary>
    internal void OnPeerReset(Exception error)
    {
        bool finished;
        lock (_gate)
        {
            if (_writeError is not null) return;
            _localEnded = true; // the peer no longer listens; sending more would be discarded
            finished = Terminate(error);
        }
        Wake();
        if (finished) _connection.OnStreamFinished(this);
    }

    internal void OnConnectionLost(Exception error)
    {
        lock (_gate)
        {
            if (_writeError is not null) return;
            _localEnded = true;
            Terminate(error);
        }
        Wake();
    }

    private bool Terminate(Exception error)
    {
        _writeError = error;
        if (!_remoteEnded)
        {
            _readError = error;
            _received.Clear();
        }
        _remoteEnded = true;
        _localEnded = true;
        return TryFinish();
    }

    private bool TryFinish()
    {
        if (_finished || !_localEnded || !_remoteEnded) return false;
        _finished = true;
        return true;
    }

    private void Wake()
    {
        _readable.Set();
        _writable.Set();
        try
        {
            _terminated?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void ThrowIfWritesEnded()
    {
        if (_writeError is not null) throw _writeError;
        if (_localEnded) throw new InvalidOperationException($"Writes on the '{Method}' stream were already completed.");
    }

    // ---- Stream plumbing ----

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() { } // every write is on the wire when it returns
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        if (!EndedBothWays()) await CancelAsync().ConfigureAwait(false);
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            if (!EndedBothWays()) _ = CancelAsync().AsTask(); // never throws: a broken connection already failed the stream
            _disposed = true;
            lock (_gate) _received.Clear();
            _terminated?.Dispose();
        }
        base.Dispose(disposing);
    }

    private bool EndedBothWays()
    {
        lock (_gate) return _finished || _writeError is not null;
    }
}
