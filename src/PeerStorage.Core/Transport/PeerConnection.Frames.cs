using System.Buffers;
using System.Buffers.Binary;
using Serilog.Events;

namespace PeerStorage.Core.Transport;

// The connection's receive side: one loop reads frames in order and dispatches them. It never waits for a write
// (answers go out in the background, bounded), and a violation ends only this connection.
public sealed partial class PeerConnection
{
    private async Task ReadLoopAsync()
    {
        var token = _lifetime.Token;
        try
        {
            while (true)
            {
                var next = await _reader.ReadHeaderAsync(token).ConfigureAwait(false);
                if (next is not { } header)
                {
                    Abort(_goAwaySent || _goAwayReceived ? "closed gracefully" : "the peer closed the connection", LogEventLevel.Debug);
                    return;
                }
                Volatile.Write(ref _lastReceivedTicks, Environment.TickCount64);
                switch (header.Type)
                {
                    case FrameType.Data:
                        await OnDataAsync(header, token).ConfigureAwait(false);
                        break;
                    case FrameType.Open:
                        await OnOpenAsync(header, token).ConfigureAwait(false);
                        break;
                    case FrameType.WindowUpdate:
                        await OnWindowUpdateAsync(header, token).ConfigureAwait(false);
                        break;
                    case FrameType.Reset:
                        await OnResetAsync(header, token).ConfigureAwait(false);
                        break;
                    case FrameType.Ping:
                        await OnPingAsync(header, token).ConfigureAwait(false);
                        break;
                    case FrameType.GoAway:
                        await OnGoAwayAsync(header, token).ConfigureAwait(false);
                        break;
                    default:
                        throw new ProtocolViolationException($"a {header.Type} frame after the handshake");
                }
            }
        }
        catch (ProtocolViolationException e)
        {
            await RefuseAsync(e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            Abort(_closed != 0 ? CloseReason ?? "closed" : $"reading failed: {e.Message}", LogEventLevel.Debug);
        }
        catch (Exception e)
        {
            Log.Error(e, "The connection with {Peer} failed unexpectedly", Describe());
            Abort($"internal error: {e.Message}", LogEventLevel.Error);
        }
    }

    private async ValueTask OnDataAsync(FrameHeader header, CancellationToken token)
    {
        var stream = FindStream(header);
        if (stream is null || !stream.BeginData(header.Length))
        {
            await _reader.SkipPayloadAsync(header.Length, _scratch, header.Type, token).ConfigureAwait(false);
            return;
        }
        var endStream = (header.Flags & FrameFlags.EndStream) != 0;
        if (header.Length <= ReceiveBuffer.SmallPayload)
        {
            await _reader.ReadPayloadAsync(_scratch.AsMemory(0, header.Length), header.Type, token).ConfigureAwait(false);
            stream.DeliverCopy(_scratch.AsSpan(0, header.Length), endStream);
            return;
        }
        // Large payloads are read straight into the segment the reader will copy from: no intermediate copy.
        var segment = ArrayPool<byte>.Shared.Rent(header.Length);
        try
        {
            await _reader.ReadPayloadAsync(segment.AsMemory(0, header.Length), header.Type, token).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(segment);
            throw;
        }
        stream.DeliverOwned(segment, header.Length, endStream);
    }

    private async ValueTask OnOpenAsync(FrameHeader header, CancellationToken token)
    {
        var payload = ArrayPool<byte>.Shared.Rent(header.Length);
        try
        {
            await _reader.ReadPayloadAsync(payload.AsMemory(0, header.Length), header.Type, token).ConfigureAwait(false);
            AcceptOpen(header, payload.AsSpan(0, header.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    private void AcceptOpen(FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (!OpenMessage.TryDecode(payload, out var kind, out var method, out var initial, out var violation))
            throw new ProtocolViolationException(violation);
        var id = header.StreamId;
        if (IsLocalId(id)) throw new ProtocolViolationException($"the peer opened stream {id}, an id from this node's range");
        if (kind == StreamKind.Request && initial.Length > Options.InitialStreamWindow)
            throw new ProtocolViolationException($"window overflow on stream {id}: the request starts with {initial.Length} bytes");
        var endStream = (header.Flags & FrameFlags.EndStream) != 0;

        ErrorMessage? refusal = null;
        RequestRouter.Route? route = null;
        lock (_gate)
        {
            if (id <= _highestRemoteStreamId) throw new ProtocolViolationException($"stream id {id} is reused or out of order (last was {_highestRemoteStreamId})");
            _highestRemoteStreamId = id;
            if (_goAwaySent)
                refusal = new ErrorMessage(PeerErrorKind.ConnectionError, TransportErrors.PeerConnectionClosing, "This node is closing the connection; open a new one.");
            else if (_remoteOpenedActive >= Options.MaxConcurrentStreams)
                refusal = new ErrorMessage(PeerErrorKind.ResourceUnavailable, TransportErrors.PeerTooManyStreams, $"At most {Options.MaxConcurrentStreams} streams may be open at once.");
        }
        if (refusal is null)
        {
            if (_setup.Router is null || !_setup.Router.TryFind(method, out route))
                refusal = new ErrorMessage(PeerErrorKind.NotFound, TransportErrors.PeerMethodNotFound, $"Node {_setup.Credentials.NodeId.Short} has no method '{method}'.");
            else if (route.Kind != kind)
                refusal = new ErrorMessage(PeerErrorKind.InvalidOperation, TransportErrors.PeerMethodKindMismatch,
                    $"'{method}' is a {(route.Kind == StreamKind.Request ? "request" : "stream")} method; call it with {(route.Kind == StreamKind.Request ? "RequestAsync" : "OpenStreamAsync")}.");
        }
        if (refusal is not null)
        {
            SendInBackground(FrameType.Reset, id, refusal.Encode());
            return;
        }

        var stream = new PeerStream(this, id, method, openedLocally: false, _remoteHello.InitialStreamWindow, Options.InitialStreamWindow);
        lock (_gate)
        {
            _streams.Add(id, stream);
            _remoteOpenedActive++;
            _idleSinceTicks = 0;
        }
        byte[] streamHeader = [];
        if (kind == StreamKind.Request)
        {
            stream.BeginData(initial.Length);
            stream.DeliverCopy(initial, endStream);
        }
        else
        {
            streamHeader = initial.ToArray();
            if (endStream) stream.DeliverCopy([], endStream: true);
        }
        var call = new HandlerCall(this, stream, route!, streamHeader);
        ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.RunAsync(), call, preferLocal: false);
    }

    private async ValueTask OnWindowUpdateAsync(FrameHeader header, CancellationToken token)
    {
        await _reader.ReadPayloadAsync(_scratch.AsMemory(0, 4), header.Type, token).ConfigureAwait(false);
        var increment = BinaryPrimitives.ReadUInt32BigEndian(_scratch);
        if (increment is 0 or > int.MaxValue)
            throw new ProtocolViolationException($"a window update of {increment} on stream {header.StreamId}");
        FindStream(header)?.AddSendCredit(increment);
    }

    private async ValueTask OnResetAsync(FrameHeader header, CancellationToken token)
    {
        await _reader.ReadPayloadAsync(_scratch.AsMemory(0, header.Length), header.Type, token).ConfigureAwait(false);
        if (!ErrorMessage.TryDecode(_scratch.AsSpan(0, header.Length), out var error))
            throw new ProtocolViolationException($"a malformed error frame on stream {header.StreamId}");
        var stream = FindStream(header);
        stream?.OnPeerReset(new PeerRemoteException(RemoteNodeId, stream.Method, error));
    }

    private async ValueTask OnPingAsync(FrameHeader header, CancellationToken token)
    {
        await _reader.ReadPayloadAsync(_scratch.AsMemory(0, 8), header.Type, token).ConfigureAwait(false);
        var payload = BinaryPrimitives.ReadUInt64BigEndian(_scratch);
        if ((header.Flags & FrameFlags.Ack) != 0)
        {
            if (_pings.TryGetValue(payload, out var answered)) answered.TrySetResult();
            return;
        }
        SendInBackground(FrameType.Ping, 0, null, payload, FrameFlags.Ack);
    }

    private async ValueTask OnGoAwayAsync(FrameHeader header, CancellationToken token)
    {
        await _reader.ReadPayloadAsync(_scratch.AsMemory(0, header.Length), header.Type, token).ConfigureAwait(false);
        if (!GoAwayMessage.TryDecode(_scratch.AsSpan(0, header.Length), out var goAway))
            throw new ProtocolViolationException("a malformed goaway frame");
        PeerStream[] unprocessed;
        lock (_gate)
        {
            _goAwayReceived = true;
            unprocessed = _streams.Values.Where(s => s.OpenedLocally && s.Id > goAway.LastStreamId).ToArray();
        }
        var level = goAway.Error.ErrorId == TransportErrors.PeerConnectionClosing ? LogEventLevel.Debug : LogEventLevel.Warning;
        Log.Write(level, "{Peer} is closing the connection: {ErrorId}: {Message}", Describe(), goAway.Error.ErrorId, goAway.Error.Message);
        // Streams the peer never saw can safely be retried on a new connection.
        foreach (var stream in unprocessed) stream.OnPeerReset(TransportErrors.ConnectionClosing(Describe()));
        lock (_gate)
        {
            if (_streams.Count != 0) return;
        }
        FinishIfDrained("the peer closed the connection (goaway)");
    }

    /// <summary>
    /// The stream a frame is for; null when it was opened and has finished (frames in flight are dropped); a
    /// violation when it was never opened.
    /// </summary>
    private PeerStream? FindStream(FrameHeader header)
    {
        var id = header.StreamId;
        lock (_gate)
        {
            if (_streams.TryGetValue(id, out var stream)) return stream;
            var opened = IsLocalId(id) ? id < _nextLocalStreamId : id <= _highestRemoteStreamId;
            if (!opened) throw new ProtocolViolationException($"a {header.Type} frame for stream {id}, which was never opened");
            return null;
        }
    }

    private bool IsLocalId(uint id) => (id & 1) == (_setup.IsClient ? 1u : 0u);

    /// <summary>
    /// Sends an answer without making the read loop wait for the write lock. The number of such answers in flight is
    /// bounded: a peer that provokes them without reading is flooding, and is disconnected.
    /// </summary>
    private void SendInBackground(FrameType type, uint streamId, byte[]? payload, ulong number = 0, FrameFlags flags = FrameFlags.None)
    {
        if (Interlocked.Increment(ref _pendingControlFrames) > MaxPendingControlFrames)
        {
            Interlocked.Decrement(ref _pendingControlFrames);
            throw new ProtocolViolationException("the peer provokes answers (pings, refused streams) faster than it reads them");
        }
        _ = SendControlAsync(type, flags, streamId, payload, number);
    }

    private async Task SendControlAsync(FrameType type, FrameFlags flags, uint streamId, byte[]? payload, ulong number)
    {
        try
        {
            await LockWriterAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                if (payload is null) await WriteNumberLockedAsync(type, flags, streamId, number, 8).ConfigureAwait(false);
                else await WriteLockedAsync(type, flags, streamId, payload).ConfigureAwait(false);
            }
            finally
            {
                Writer.Unlock();
            }
        }
        catch (PeerStorageException)
        {
            // The connection is gone; nobody is waiting for this answer.
        }
        finally
        {
            Interlocked.Decrement(ref _pendingControlFrames);
        }
    }
}
