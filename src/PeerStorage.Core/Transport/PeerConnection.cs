using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using Serilog;
using Serilog.Events;

namespace PeerStorage.Core.Transport;

/// <summary>
/// An authenticated connection to a peer, carrying many concurrent streams: requests with one response, and bulk
/// streams with flow control. The same class serves both ends; either side may open streams (the client opens odd
/// ids, the server even ones). One read loop decodes frames and never waits for a write, so two nodes pushing bulk
/// data at each other cannot deadlock; a frame that breaks the protocol closes this connection only.
/// </summary>
public sealed partial class PeerConnection : IAsyncDisposable
{
    /// <summary>Answers (pings, refusals) the peer may have queued up before it is considered a flood.</summary>
    private const int MaxPendingControlFrames = 64;
    private static readonly TimeSpan GoAwayWriteTimeout = TimeSpan.FromSeconds(1);

    private readonly Stream _transport;
    private readonly FrameReader _reader;
    private readonly ConnectionSetup _setup;
    private readonly AuthenticatedPeer _peer;
    private readonly HelloMessage _remoteHello;
    private readonly object _gate = new();
    private readonly Dictionary<uint, PeerStream> _streams = new();
    private readonly SemaphoreSlim _localStreamSlots;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource> _pings = new();
    private readonly byte[] _scratch = new byte[Math.Max(ReceiveBuffer.SmallPayload, FrameHeader.MaxControlPayload)];
    private uint _nextLocalStreamId;
    private uint _highestRemoteStreamId;
    private int _remoteOpenedActive;
    private bool _goAwaySent;
    private bool _goAwayReceived;
    private long _lastReceivedTicks;
    private long _idleSinceTicks;
    private long _lastKeepaliveTicks;
    private long _nextPingPayload;
    private int _pendingControlFrames;
    private int _finishing;
    private int _closed;
    private PeerStorageException? _failure;

    private PeerConnection(Stream transport, FrameReader reader, ConnectionSetup setup, AuthenticatedPeer peer, HelloMessage remoteHello)
    {
        _transport = transport;
        _reader = reader;
        _setup = setup;
        _peer = peer;
        _remoteHello = remoteHello;
        Writer = new FrameWriter(transport, Math.Min(remoteHello.MaxFramePayload, setup.Options.MaxFramePayload));
        _localStreamSlots = new SemaphoreSlim(remoteHello.MaxConcurrentStreams);
        _nextLocalStreamId = setup.IsClient ? 1u : 2u;
        _lastReceivedTicks = _idleSinceTicks = _lastKeepaliveTicks = Environment.TickCount64;
    }

    public NodeId RemoteNodeId => _peer.NodeId;
    public string RemoteName => _remoteHello.Name;
    public TrustBasis TrustBasis => _peer.Basis;
    public SslProtocols NegotiatedProtocol => _peer.Protocol;
    public Version RemoteProtocolVersion => new(_remoteHello.Major, _remoteHello.Minor);
    public IReadOnlyList<string> RemoteFeatures => _remoteHello.Features;
    public EndPoint? RemoteEndPoint => _peer.EndPoint;
    public X509Certificate2? RemoteCertificate => _peer.Certificate;
    /// <summary>The issuer certificates the peer sent with its own (a fleet intermediate; never a self-signed root).</summary>
    public IReadOnlyList<X509Certificate2> RemoteCertificateChain => _peer.PresentedChain;
    public bool IsClientSide => _setup.IsClient;

    /// <summary>False once either side started closing: new streams need a new connection.</summary>
    public bool CanOpenStreams
    {
        get { lock (_gate) return _closed == 0 && !_goAwaySent && !_goAwayReceived; }
    }

    public int ActiveStreams
    {
        get { lock (_gate) return _streams.Count; }
    }

    /// <summary>Completes (never faults) when the connection is closed, for whatever reason.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Why the connection closed, once it has.</summary>
    public string? CloseReason { get; private set; }

    internal FrameWriter Writer { get; }
    internal TransportOptions Options => _setup.Options;
    internal ILogger Log => _setup.Log;

    private PeerStorageException Failure => _failure ?? TransportErrors.ConnectionLost(Describe(), "closed");

    internal NodeId LocalNodeId => _setup.Credentials.NodeId;

    internal string Describe() => $"{(_remoteHello.Name.Length > 0 ? _remoteHello.Name + " " : "")}({_peer.NodeId.Short}) at {_peer.EndPoint?.ToString() ?? "?"}";

    /// <summary>
    /// Exchanges Hellos over an authenticated stream and starts the connection. Both sides send first and then read,
    /// so each learns the other's version even when they are incompatible.
    /// </summary>
    internal static async Task<PeerConnection> EstablishAsync(Stream transport, ConnectionSetup setup, AuthenticatedPeer peer, CancellationToken cancellationToken)
    {
        var target = $"{peer.NodeId.Short} at {peer.EndPoint?.ToString() ?? "?"}";
        var local = HelloMessage.ForLocal(setup.Credentials, setup.Options);
        await FrameWriter.WriteSingleAsync(transport, FrameType.Hello, FrameFlags.None, 0, local.Encode(), cancellationToken).ConfigureAwait(false);

        var reader = new FrameReader(transport, setup.Options.MaxFramePayload);
        HelloMessage remote;
        try
        {
            var header = await reader.ReadHeaderAsync(cancellationToken).ConfigureAwait(false)
                         ?? throw new EndOfStreamException("The peer closed the connection before its hello.");
            if (header.Type != FrameType.Hello) throw new ProtocolViolationException($"the first frame is a {header.Type}, not a hello");
            var payload = new byte[header.Length];
            await reader.ReadPayloadAsync(payload, header.Type, cancellationToken).ConfigureAwait(false);
            if (HelloMessage.TryReadVersion(payload, out var major, out _) && major != HelloMessage.CurrentMajor)
            {
                var mismatch = TransportErrors.ProtocolMismatch(target, HelloMessage.CurrentMajor, major);
                await TrySendGoAwayAsync(transport, new ErrorMessage(mismatch.Kind, mismatch.ErrorId, mismatch.Message)).ConfigureAwait(false);
                throw mismatch;
            }
            if (!HelloMessage.TryDecode(payload, out remote, out var violation)) throw new ProtocolViolationException(violation);
            if (!remote.NodeId.Equals(peer.NodeId))
                throw new ProtocolViolationException($"the hello names node {remote.NodeId} but the certificate belongs to {peer.NodeId}");
        }
        catch (ProtocolViolationException e)
        {
            throw TransportErrors.ProtocolError(target, e.Message);
        }
        var connection = new PeerConnection(transport, reader, setup, peer, remote);
        connection.Start();
        return connection;
    }

    private static async Task TrySendGoAwayAsync(Stream transport, ErrorMessage error)
    {
        try
        {
            await FrameWriter.WriteSingleAsync(transport, FrameType.GoAway, FrameFlags.None, 0, new GoAwayMessage(0, error).Encode(), CancellationToken.None)
                .WaitAsync(GoAwayWriteTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransportFailure(e) || e is TimeoutException)
        {
        }
    }

    private void Start()
    {
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(WatchdogAsync);
    }

    /// <summary>
    /// Sends a request and returns the response body. An error frame from the peer throws a PeerRemoteException
    /// with the peer's error id; no answer within <see cref="TransportOptions.RequestTimeout"/> throws
    /// PeerRequestTimedOut and cancels the request on the peer.
    /// </summary>
    public async Task<byte[]> RequestAsync(string method, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        if (body.Length > Options.MaxMessageBytes) throw TransportErrors.MessageTooLarge(Describe(), method, Options.MaxMessageBytes);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.RequestTimeout);
        // Small bodies travel inside the Open frame: one frame out, one back.
        var inline = Math.Min(body.Length, Math.Min(Writer.MaxPayload - OpenMessage.Overhead(method), _remoteHello.InitialStreamWindow));
        inline = Math.Max(inline, 0);
        PeerStream? stream = null;
        try
        {
            stream = await OpenAsync(StreamKind.Request, method, body[..inline], endStream: inline == body.Length, timeout.Token).ConfigureAwait(false);
            if (inline < body.Length) await stream.WriteCoreAsync(body[inline..], endStream: true, timeout.Token).ConfigureAwait(false);
            return await stream.ReadToEndAsync(Options.MaxMessageBytes, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw TransportErrors.RequestTimedOut(Describe(), method, Options.RequestTimeout);
        }
        finally
        {
            // Completed requests have ended both ways and dispose quietly; abandoned ones send an error frame.
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Opens a bulk stream to <paramref name="method"/> with an optional header (at most one frame). It returns at
    /// once; a refusal by the peer (unknown method, too many streams) surfaces on the first read or write.
    /// </summary>
    public Task<PeerStream> OpenStreamAsync(string method, ReadOnlyMemory<byte> header = default, CancellationToken cancellationToken = default)
    {
        if (header.Length > Writer.MaxPayload - OpenMessage.Overhead(method))
            throw new ArgumentException($"A stream header holds at most {Writer.MaxPayload - OpenMessage.Overhead(method)} bytes on this connection.", nameof(header));
        return OpenAsync(StreamKind.Bulk, method, header, endStream: false, cancellationToken);
    }

    /// <summary>Measures the round trip to the peer.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCannotOpen();
        var payload = (ulong)Interlocked.Increment(ref _nextPingPayload);
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pings[payload] = answered;
        var clock = Stopwatch.StartNew();
        try
        {
            await LockWriterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await WriteNumberLockedAsync(FrameType.Ping, FrameFlags.None, 0, payload, 8).ConfigureAwait(false);
            }
            finally
            {
                Writer.Unlock();
            }
            await answered.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return clock.Elapsed;
        }
        finally
        {
            _pings.TryRemove(payload, out _);
        }
    }

    private async Task<PeerStream> OpenAsync(StreamKind kind, string method, ReadOnlyMemory<byte> initial, bool endStream, CancellationToken cancellationToken)
    {
        if (!OpenMessage.IsValidMethod(method))
            throw new ArgumentException($"'{method}' is not a method name: 1 to {OpenMessage.MaxMethodLength} printable ASCII characters without spaces.", nameof(method));
        ThrowIfCannotOpen();
        var payload = OpenMessage.Encode(kind, method, initial.Span);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        try
        {
            await _localStreamSlots.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw _closed != 0 ? Failure : TransportErrors.ConnectionClosing(Describe());
        }
        var registered = false;
        try
        {
            await LockWriterAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                PeerStream stream;
                lock (_gate)
                {
                    if (_closed != 0) throw Failure;
                    if (_goAwaySent || _goAwayReceived || _nextLocalStreamId > FrameHeader.MaxStreamId) throw TransportErrors.ConnectionClosing(Describe());
                    // The id is taken under the write lock, so Open frames leave in increasing id order as the peer demands.
                    var id = _nextLocalStreamId;
                    _nextLocalStreamId += 2;
                    var windowUsed = kind == StreamKind.Request ? initial.Length : 0;
                    stream = new PeerStream(this, id, method, openedLocally: true, _remoteHello.InitialStreamWindow - windowUsed, Options.InitialStreamWindow);
                    _streams.Add(id, stream);
                    _idleSinceTicks = 0;
                    registered = true;
                }
                if (endStream) stream.MarkLocalEndForOpen();
                await WriteLockedAsync(FrameType.Open, endStream ? FrameFlags.EndStream : FrameFlags.None, stream.Id, payload).ConfigureAwait(false);
                return stream;
            }
            finally
            {
                Writer.Unlock();
            }
        }
        catch when (!registered)
        {
            _localStreamSlots.Release();
            throw;
        }
    }

    /// <summary>
    /// Waits for the write lock; a closed connection throws its failure instead. No link to the connection's lifetime
    /// is needed (none is allocated per frame): whoever holds the lock releases it once an abort disposes the transport.
    /// </summary>
    internal async ValueTask LockWriterAsync(CancellationToken cancellationToken)
    {
        if (_closed != 0) throw Failure;
        await Writer.LockAsync(cancellationToken).ConfigureAwait(false);
        if (_closed != 0)
        {
            Writer.Unlock();
            throw Failure;
        }
    }

    /// <summary>Writes one frame under the held lock; a broken transport closes the connection and throws its failure.</summary>
    internal ValueTask WriteLockedAsync(FrameType type, FrameFlags flags, uint streamId, ReadOnlySpan<byte> payload)
    {
        ValueTask pending;
        try
        {
            pending = Writer.WriteLockedAsync(type, flags, streamId, payload);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            Abort($"writing failed: {e.Message}", LogEventLevel.Information);
            throw Failure;
        }
        if (!pending.IsCompletedSuccessfully) return AwaitWriteAsync(pending);
        pending.GetAwaiter().GetResult(); // consumes it, so a pooled ValueTask goes back to its pool
        return ValueTask.CompletedTask;
    }

    private async ValueTask AwaitWriteAsync(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            Abort($"writing failed: {e.Message}", LogEventLevel.Information);
            throw Failure;
        }
    }

    private async ValueTask WriteNumberLockedAsync(FrameType type, FrameFlags flags, uint streamId, ulong value, int byteCount)
    {
        try
        {
            await Writer.WriteNumberLockedAsync(type, flags, streamId, value, byteCount).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            Abort($"writing failed: {e.Message}", LogEventLevel.Information);
            throw Failure;
        }
    }

    /// <summary>Returns window to the peer after a reader consumed bytes. A dead connection is not the reader's problem here.</summary>
    internal async ValueTask SendWindowUpdateAsync(uint streamId, int increment)
    {
        try
        {
            await LockWriterAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await WriteNumberLockedAsync(FrameType.WindowUpdate, FrameFlags.None, streamId, (uint)increment, 4).ConfigureAwait(false);
            }
            finally
            {
                Writer.Unlock();
            }
        }
        catch (PeerStorageException)
        {
        }
    }

    internal void OnStreamFinished(PeerStream stream)
    {
        bool drained;
        lock (_gate)
        {
            if (!_streams.Remove(stream.Id)) return;
            if (stream.OpenedLocally) _localStreamSlots.Release();
            else _remoteOpenedActive--;
            if (_streams.Count == 0) _idleSinceTicks = Environment.TickCount64;
            drained = _streams.Count == 0 && (_goAwaySent || _goAwayReceived);
        }
        if (drained) FinishIfDrained("all streams finished after goaway");
    }

    private void ThrowIfCannotOpen()
    {
        lock (_gate)
        {
            if (_closed != 0) throw Failure;
            if (_goAwaySent || _goAwayReceived) throw TransportErrors.ConnectionClosing(Describe());
        }
    }
}
