using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Net;
using PeerStorage.Core.Multicast.Protocol;
using PeerStorage.Core.Node;
using Serilog;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>How a receiver's time in a session ended.</summary>
internal enum ReceiverOutcome
{
    /// <summary>Every block is here and verified.</summary>
    Complete,
    /// <summary>The announcer fell silent: someone must take over.</summary>
    AnnouncerLost,
    /// <summary>The sender sent this receiver to the server (it could not keep up).</summary>
    Evicted,
    /// <summary>The sender ended the session before this receiver had everything.</summary>
    SessionEnded,
    /// <summary>The multicast stored nothing new for too long.</summary>
    Stalled,
}

/// <summary>
/// A receiver in one announcer's session: reports its status (the first report is its request for the image), takes
/// the data, NAKs what a window left incomplete (staying quiet when another receiver already asked for as much) and
/// everything it lacks when a pass ends, and notices when the announcer is gone or the multicast stalls.
/// </summary>
internal sealed class ReceiverSession
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan SuppressFor = TimeSpan.FromMilliseconds(100);

    private readonly MulticastEndpoint _endpoint;
    private readonly ControlChannel _control;
    private readonly ImageGeometry _geometry;
    private readonly ImageStaging _staging;
    private readonly HeardAnnouncer _announcer;
    private readonly AnnouncementFilter _filter;
    private readonly byte[] _imageHash;
    private readonly byte[] _selfId;
    private readonly ulong _selfKey;
    private readonly ReceiverOptions _options;
    private readonly SessionStatistics _statistics;
    private readonly ILogger _log;
    private readonly SequentialImageHash? _wholeImage;
    private readonly ConcurrentQueue<ClosedWindow> _closedWindows = new();
    private readonly ConcurrentDictionary<int, (int Need, DateTime At)> _heardNaks = new();
    private readonly List<ClosedWindow> _dueWindows = [];
    private DateTime _lastAnnouncement;
    private long _lastDataTicks;
    private volatile AnnouncerState _announcerState;
    private volatile int _ending; // a ReceiverOutcome set by a control message, 0 while none
    private long _passEndDueTicks; // set by the control thread, taken by the loop: 0 while no pass end waits for an answer
    private long _received;
    private uint _highestSequence;

    public ReceiverSession(MulticastEndpoint endpoint, ControlChannel control, ImageGeometry geometry, ImageStaging staging,
        HeardAnnouncer announcer, AnnouncementFilter filter, byte[] imageHash, NodeId self, ReceiverOptions options,
        SessionStatistics statistics, ILogger log, SequentialImageHash? wholeImageHash = null)
    {
        _wholeImage = wholeImageHash;
        _endpoint = endpoint;
        _control = control;
        _geometry = geometry;
        _staging = staging;
        _announcer = announcer;
        _filter = filter;
        _imageHash = imageHash;
        _selfId = self.Hash.ToArray();
        _selfKey = BitConverter.ToUInt64(_selfId, 0);
        _options = options;
        _statistics = statistics;
        _log = log;
        _lastAnnouncement = announcer.HeardAt;
        _announcerState = announcer.Announcement.State;
    }

    /// <summary>
    /// Runs the session on a thread of its own: its loop wakes every few milliseconds for the whole transfer, and on the
    /// thread pool each wake-up costs a pool thread's spinning as well (measured: a tenth of a receiver's CPU).
    /// </summary>
    public Task<ReceiverOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<ReceiverOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try { done.TrySetResult(Run(cancellationToken)); }
            catch (OperationCanceledException e) { done.TrySetCanceled(e.CancellationToken); }
            catch (Exception e) { done.TrySetException(e); }
        }) { IsBackground = true, Name = "imaging-session" };
        thread.Start();
        return done.Task;
    }

    private ReceiverOutcome Run(CancellationToken cancellationToken)
    {
        using var socket = MulticastSockets.OpenDataReceiver(_endpoint, out var coalescing);
        using var assembler = new BlockAssembler(_geometry, _staging, _statistics, _log, _wholeImage);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var dataThread = new Thread(() => ReceiveLoop(socket, assembler, stop.Token)) { IsBackground = true, Name = "imaging-receive" };
        dataThread.Start();
        _control.Handler = OnControl;
        _log.Information("Receiving image {Hash} from {Node} at {Address} (session {Session:x8}, coalescing {Coalescing})",
            Convert.ToHexString(_imageHash)[..12], _announcer.NodeId.Short, _announcer.Address, _announcer.SessionId, coalescing);
        _lastAnnouncement = DateTime.UtcNow; // joining now counts as hearing it: setting up may have taken a moment
        var lastStatus = DateTime.MinValue;
        var statusBaseline = (Received: 0L, Processed: 0L, Highest: 0u, At: DateTime.UtcNow);
        var lastProgress = DateTime.UtcNow;
        var lastVerified = _staging.VerifiedCount;
        var fewestPending = int.MaxValue; // blocks waiting for their check, the least seen since the last report
        try
        {
            while (true)
            {
                if (cancellationToken.WaitHandle.WaitOne(Tick)) cancellationToken.ThrowIfCancellationRequested();
                var now = DateTime.UtcNow;
                fewestPending = Math.Min(fewestPending, assembler.PendingChecks);
                if (_staging.IsComplete)
                {
                    for (var i = 0; i < 3; i++) SendStatus(ReceiverState.Complete, 0, 0, 0);
                    return ReceiverOutcome.Complete;
                }
                if (_ending != 0)
                {
                    SendStatus(ReceiverState.Fallback, 0, 0, 0);
                    return (ReceiverOutcome)_ending;
                }
                SendDueNaks(assembler, now);
                if (now - lastStatus >= _options.StatusInterval)
                {
                    lastStatus = now;
                    var received = Interlocked.Read(ref _received);
                    var highest = Volatile.Read(ref _highestSequence);
                    var expected = statusBaseline.Highest == 0 ? 0 : highest - statusBaseline.Highest;
                    var got = received - statusBaseline.Received;
                    var loss = expected == 0 ? 0 : Math.Clamp(1 - (double)got / expected, 0, 1);
                    var state = received == 0 && _announcerState == AnnouncerState.Downloading ? ReceiverState.Waiting : ReceiverState.Receiving;
                    // What it took is what it read and checked: the data thread reads into the slots (up to 20 MiB)
                    // faster than a receiver short of CPU checks, and the sender would otherwise take the reading
                    // speed for the receiver's. Packets of whole blocks still waiting for their check are not taken
                    // yet; the least seen over the interval counts (every window's blocks complete together and wait
                    // a few milliseconds, which is no backlog).
                    var waiting = Math.Min(fewestPending, 1 << 20) * (long)_geometry.SymbolsPerBlock;
                    fewestPending = int.MaxValue;
                    var processed = received - waiting;
                    var interval = (now - statusBaseline.At).TotalSeconds;
                    var goodput = interval > 0 ? Math.Max(0, (long)((processed - statusBaseline.Processed) * _geometry.PacketLength / interval)) : 0;
                    statusBaseline = (received, processed, highest, now);
                    // The backlog the sender sees counts what waits for its check too.
                    SendStatus(state, (ushort)Math.Round(loss * 1000), (uint)expected, goodput, highest - (uint)Math.Min(waiting, highest));
                }
                var verified = _staging.VerifiedCount;
                if (verified != lastVerified)
                {
                    lastVerified = verified;
                    lastProgress = now;
                }
                var lastData = new DateTime(Interlocked.Read(ref _lastDataTicks), DateTimeKind.Utc);
                var lastHeard = lastData > _lastAnnouncement ? lastData : _lastAnnouncement;
                if (now - lastHeard > _options.AnnouncerTimeout)
                {
                    _log.Information("Announcer {Node} not heard for {Seconds:F1} s", _announcer.NodeId.Short, (now - lastHeard).TotalSeconds);
                    return ReceiverOutcome.AnnouncerLost;
                }
                if (_announcerState == AnnouncerState.Sending && now - lastProgress > _options.StallTimeout) return ReceiverOutcome.Stalled;
            }
        }
        finally
        {
            _control.Handler = null;
            stop.Cancel();
            dataThread.Join();
            _log.Information("Assembly: {Duplicates} duplicate symbols, {Reclaims} slots reclaimed, {Waits} waits for a slot, {Overruns} symbols dropped, {Slots} slots used",
                assembler.Duplicates, assembler.Reclaims, assembler.SlotWaits, assembler.Overruns, assembler.SlotsAllocated);
        }
    }

    // checkedThrough: the sequence reported as read (default: the highest read), lowered by what still waits for its check.
    private void SendStatus(ReceiverState state, ushort lossPermille, uint expected, long bytesPerSecond, uint? checkedThrough = null) =>
        _control.Send(new ReceiverStatus
        {
            SessionId = _announcer.SessionId, ImageHash = _imageHash, ReceiverId = _selfId, State = state,
            VerifiedBlocks = _staging.VerifiedCount, BlockCount = _geometry.BlockCount, LossPermille = lossPermille,
            Expected = expected, BytesPerSecond = bytesPerSecond, HighestSequence = checkedThrough ?? Volatile.Read(ref _highestSequence),
        }.ToBytes());

    // The data thread: coalesced datagrams are split by the session's one packet length.
    private void ReceiveLoop(Socket socket, BlockAssembler assembler, CancellationToken cancellationToken)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(1 << 16, pinned: true);
        var from = new SocketAddress(AddressFamily.InterNetwork);
        var announcer = _announcer.Address.GetAddressBytes();
        var stride = _geometry.PacketLength;
        var window = uint.MaxValue;
        var windowBlocks = new List<int>(MulticastSender.WindowBlocks * 2);
        var lastWindowOf = new uint[_geometry.BlockCount];
        while (!cancellationToken.IsCancellationRequested)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (!from.Buffer.Span.Slice(4, 4).SequenceEqual(announcer))
            {
                _statistics.AddForeignPackets((length + stride - 1) / stride);
                continue;
            }
            Interlocked.Exchange(ref _lastDataTicks, DateTime.UtcNow.Ticks);
            for (var offset = 0; offset < length; offset += stride)
            {
                var segment = buffer.AsSpan(offset, Math.Min(stride, length - offset));
                if (!DataPacket.TryRead(segment, _geometry.SymbolSize, out var packet) || packet.SessionId != _announcer.SessionId) continue;
                Interlocked.Increment(ref _received);
                if ((int)(packet.Sequence - _highestSequence) > 0) Volatile.Write(ref _highestSequence, packet.Sequence);
                if (packet.Window != window)
                {
                    if (window != uint.MaxValue && windowBlocks.Count > 0)
                        _closedWindows.Enqueue(new ClosedWindow([.. windowBlocks], _highestSequence, DateTime.UtcNow));
                    windowBlocks.Clear();
                    window = packet.Window;
                }
                if ((uint)packet.Block < (uint)lastWindowOf.Length && lastWindowOf[packet.Block] != window + 1)
                {
                    lastWindowOf[packet.Block] = window + 1;
                    windowBlocks.Add(packet.Block);
                }
                assembler.Add(packet.Block, packet.Symbol, segment[DataPacket.HeaderLength..]);
            }
        }
    }

    private void SendDueNaks(BlockAssembler assembler, DateTime now)
    {
        while (_closedWindows.TryDequeue(out var closed))
            _dueWindows.Add(closed with { Due = now + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 4)) });
        var runs = new List<NakRun>();
        uint seen = Volatile.Read(ref _highestSequence);
        for (var i = _dueWindows.Count - 1; i >= 0; i--)
        {
            var closed = _dueWindows[i];
            if (closed.Due > now) continue;
            _dueWindows.RemoveAt(i);
            foreach (var block in closed.Blocks)
            {
                var need = assembler.NeedOf(block);
                if (need == 0) continue;
                // Suppression: another receiver asked for at least as much for this block a moment ago.
                if (_heardNaks.TryGetValue(block, out var heard) && heard.Need >= need && now - heard.At < SuppressFor) continue;
                runs.Add(new NakRun(block, 1, (ushort)need));
            }
            seen = closed.Sequence;
        }
        var due = Interlocked.Read(ref _passEndDueTicks);
        if (due != 0 && due <= now.Ticks && Interlocked.CompareExchange(ref _passEndDueTicks, 0, due) == due)
        {
            seen = Volatile.Read(ref _highestSequence);
            AddMissingRuns(assembler, runs);
        }
        for (var i = 0; i < runs.Count; i += Nak.MaxRuns)
        {
            var nak = new Nak { SessionId = _announcer.SessionId, ReceiverKey = _selfKey, SeenSequence = seen, Runs = runs.GetRange(i, Math.Min(Nak.MaxRuns, runs.Count - i)) };
            _control.Send(nak.ToBytes());
        }
    }

    // Everything not yet stored, as runs of blocks with equal needs.
    private void AddMissingRuns(BlockAssembler assembler, List<NakRun> runs)
    {
        var start = -1;
        var startNeed = 0;
        for (var block = 0; block <= _geometry.BlockCount; block++)
        {
            var need = block < _geometry.BlockCount ? assembler.NeedOf(block) : 0;
            if (start >= 0 && (need != startNeed || block - start == ushort.MaxValue))
            {
                runs.Add(new NakRun(start, (ushort)(block - start), (ushort)startNeed));
                start = -1;
            }
            if (start < 0 && need > 0)
            {
                start = block;
                startNeed = need;
            }
        }
    }

    private void OnControl(ReadOnlyMemory<byte> datagram, IPAddress from)
    {
        var packet = datagram.Span;
        if (!PacketHeader.TryRead(packet, out var type)) return;
        switch (type)
        {
            case PacketType.Announce:
                if (_filter.Accept(packet, from) is { } heard && heard.NodeId.Equals(_announcer.NodeId) && heard.SessionId == _announcer.SessionId)
                {
                    _lastAnnouncement = heard.HeardAt;
                    _announcerState = heard.Announcement.State;
                }
                break;
            case PacketType.PassEnd when PassEnd.TryParse(packet, out var passEnd) && passEnd.SessionId == _announcer.SessionId:
                // A short random wait spreads the receivers' answers.
                Interlocked.CompareExchange(ref _passEndDueTicks, (DateTime.UtcNow + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 10))).Ticks, 0);
                break;
            case PacketType.Nak when Nak.TryParse(packet, out var nak) && nak.SessionId == _announcer.SessionId && nak.ReceiverKey != _selfKey:
                var at = DateTime.UtcNow;
                foreach (var run in nak.Runs)
                    if (run.Count == 1) _heardNaks[run.FirstBlock] = (run.Need, at);
                break;
            case PacketType.Evict or PacketType.SessionEnd
                when SignedNotice.TryParseSigned(packet, _announcer.PublicKey, out var notice) && notice.SessionId == _announcer.SessionId:
                if (notice.Type == PacketType.SessionEnd) _ending = (int)ReceiverOutcome.SessionEnded;
                else if (notice.ReceiverId.AsSpan().SequenceEqual(_selfId)) _ending = (int)ReceiverOutcome.Evicted;
                break;
        }
    }

    private sealed record ClosedWindow(int[] Blocks, uint Sequence, DateTime Due);
}
