using System.Net;
using System.Security.Cryptography;
using PeerStorage.Core.Multicast.Net;
using PeerStorage.Core.Multicast.Protocol;
using PeerStorage.Core.Node;
using Serilog;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>How an announcer's turn ended.</summary>
internal enum SenderOutcome
{
    /// <summary>Every receiver that asked has the image (or was sent to the server), and nobody new came.</summary>
    Finished,
    /// <summary>While still downloading it heard a better announcer for the image and now receives from it.</summary>
    SteppedDown,
}

/// <summary>
/// The announcer's role: it announces the image (signed) while it downloads it, learns who asks from their status
/// reports, and once it holds the whole image multicasts it to them in passes driven by their NAKs, until all are
/// done and nobody new has come for a while (<see cref="SenderOptions.Linger"/>). Receivers that cannot keep up are
/// sent to the server (<see cref="RateController"/>).
/// </summary>
internal sealed class SenderSession
{
    private static readonly TimeSpan ControlTick = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RateTick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SolicitEvery = TimeSpan.FromMilliseconds(150);

    private readonly MulticastEndpoint _endpoint;
    private readonly ControlChannel _control;
    private readonly ImageGeometry _geometry;
    private readonly byte[] _imageHash;
    private readonly byte[] _merkleRoot;
    private readonly NodeIdentity _identity;
    private readonly AnnouncementFilter _filter;
    private readonly SenderOptions _options;
    private readonly SessionStatistics _statistics;
    private readonly ILogger _log;
    private readonly ReceiverTable _receivers = new();
    private readonly SendWork _work;
    private readonly byte[] _certificate;
    private volatile AnnouncerState _state = AnnouncerState.Downloading;
    private volatile HeardAnnouncer? _better;
    private volatile MulticastSender? _dataSender;
    private uint _announceSequence;
    private readonly object _signing = new(); // the node key's ECDsa is not safe for concurrent use
    // NAK receiver keys whose NAKs shape nothing: evicted, or lagging far behind the others (about to be).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, bool> _muted = new();

    public SenderSession(MulticastEndpoint endpoint, ControlChannel control, ImageGeometry geometry, byte[] imageHash, byte[] merkleRoot,
        NodeIdentity identity, AnnouncementFilter filter, SenderOptions options, SessionStatistics statistics, ILogger log)
    {
        _endpoint = endpoint;
        _control = control;
        _geometry = geometry;
        _imageHash = imageHash;
        _merkleRoot = merkleRoot;
        _identity = identity;
        _filter = filter;
        _options = options;
        _statistics = statistics;
        _log = log;
        _work = new SendWork(geometry.BlockCount);
        _certificate = identity.Certificate.RawData;
        SessionId = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
    }

    public uint SessionId { get; }
    public MulticastEndpoint Endpoint => _endpoint;
    public IReadOnlyList<TrackedReceiver> Receivers => _receivers.Snapshot();
    /// <summary>The announcer that made this one step down.</summary>
    public HeardAnnouncer? SteppedDownFor => _better;

    /// <summary>
    /// Announces while <paramref name="download"/> fetches the image (null: it is here already), then sends it.
    /// <paramref name="blocksHeld"/> reports download progress in the announcements.
    /// </summary>
    public async Task<SenderOutcome> RunAsync(Func<CancellationToken, Task>? download, Func<int> blocksHeld, IImageBlocks blocks, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _control.Handler = OnControl;
        // The first announcement already says whether the image is here: receivers take a sending announcer at once,
        // but wait a moment after hearing one that still downloads (a better one may be about to speak).
        _state = download is null ? AnnouncerState.Sending : AnnouncerState.Downloading;
        var announcing = AnnounceLoopAsync(blocksHeld, stop.Token);
        try
        {
            if (download is not null)
            {
                _state = AnnouncerState.Downloading;
                using var downloadStop = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                var downloading = download(downloadStop.Token);
                while (!downloading.IsCompleted)
                {
                    if (_better is not null)
                    {
                        _log.Information("Announcer {Node} was there first; this node receives from it", _better.NodeId.Short);
                        await downloadStop.CancelAsync().ConfigureAwait(false);
                        await downloading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        return SenderOutcome.SteppedDown;
                    }
                    await Task.WhenAny(downloading, Task.Delay(ControlTick, stop.Token)).ConfigureAwait(false);
                }
                await downloading.ConfigureAwait(false);
            }
            _state = AnnouncerState.Sending;
            await SendAsync(blocks, stop.Token).ConfigureAwait(false);
            return SenderOutcome.Finished;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await announcing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _control.Handler = null;
        }
    }

    private async Task SendAsync(IImageBlocks blocks, CancellationToken cancellationToken)
    {
        using var socket = MulticastSockets.OpenDataSender(_endpoint, _geometry.PacketLength, out var segmenting);
        using var sender = new MulticastSender(_geometry, blocks, _work, socket, segmenting, _options.InitialBytesPerSecond, _log) { SessionId = SessionId };
        var rate = new RateController(_options.InitialBytesPerSecond, _options.EffectiveMaxRate);
        _dataSender = sender;
        using var dataStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var dataThread = new Thread(() => sender.Run(dataStop.Token)) { IsBackground = true, Name = "imaging-send" };
        dataThread.Start();
        _log.Information("Multicasting image {Hash} to {Group}:{Port} (session {Session:x8}, segmentation offload {Offload})",
            Convert.ToHexString(_imageHash)[..12], _endpoint.Group, _endpoint.DataPort, SessionId, segmenting);
        var sendingSince = DateTime.UtcNow;
        var lastRate = DateTime.MinValue;
        var lastSolicit = DateTime.MinValue;
        DateTime? idleSince = null;
        ushort pass = 0;
        var ticks = 0;
        try
        {
            while (true)
            {
                await Task.Delay(ControlTick, cancellationToken).ConfigureAwait(false);
                if (sender.Fault is { } fault) throw fault;
                var now = DateTime.UtcNow;
                var all = _receivers.Snapshot();
                var active = all.Where(r => r.IsActive(now, _options.ReceiverSilence)).ToList();
                if (now - lastRate >= RateTick)
                {
                    lastRate = now;
                    foreach (var slow in rate.Tick(active, now)) Evict(slow);
                    // A lagging receiver's repairs would take the others' bandwidth while it is judged.
                    foreach (var r in all.Where(r => !r.Evicted))
                        if (r.LaggingSince is null) _muted.TryRemove(BitConverter.ToUInt64(r.Id, 0), out _);
                        else _muted[BitConverter.ToUInt64(r.Id, 0)] = true;
                    // An evicted receiver that still reports missed the notice (its link drops what it cannot take): say it again.
                    foreach (var deaf in all.Where(r => r.Evicted && r.State is ReceiverState.Receiving or ReceiverState.Waiting && now - r.LastSeen < RateTick * 3))
                        _control.Send(Sign(new SignedNotice(PacketType.Evict, SessionId, deaf.Id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));
                    sender.BytesPerSecond = rate.Rate;
                    Report(sender, all, rate.Rate);
                    if (++ticks % 10 == 0 && active.Count > 0)
                        _log.Information("Multicast at {Rate:F0} MiB/s, {Sent:F0} MiB sent; receivers (loss, MiB/s taken, backlog): {Receivers}", rate.Rate / 1048576,
                            sender.BytesSent / 1048576.0, string.Join(", ", active.Select(r => $"{r.Loss:P0} {r.BytesPerSecond / 1048576.0:F0} (behind {r.BacklogBytes / 1048576.0:F1} MiB)")));
                }
                if (sender.Busy || !_work.IsEmpty)
                {
                    idleSince = null;
                    continue;
                }
                if (active.Count > 0)
                {
                    idleSince = null;
                    if (now - lastSolicit >= SolicitEvery)
                    {
                        // Between passes: ask everyone still receiving what it lacks; their NAKs make the next pass.
                        lastSolicit = now;
                        sender.Pass = ++pass;
                        _statistics.AddPass();
                        var passEnd = new PassEnd(SessionId, pass, sender.LastSequence).ToBytes();
                        _control.Send(passEnd);
                        _control.Send(passEnd);
                    }
                    continue;
                }
                idleSince ??= now;
                var quietSince = new[] { idleSince.Value, _receivers.LastJoin, sendingSince }.Max();
                if (now - quietSince >= _options.Linger) break;
            }
        }
        finally
        {
            await dataStop.CancelAsync().ConfigureAwait(false);
            dataThread.Join();
            Report(sender, _receivers.Snapshot(), rate.Rate);
        }
        var end = Sign(new SignedNotice(PacketType.SessionEnd, SessionId, [], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        for (var i = 0; i < 3; i++) _control.Send(end);
        _log.Information("Multicast session {Session:x8} ended: {Bytes} bytes sent, {Repairs} repair symbols, {Passes} passes",
            SessionId, sender.BytesSent, sender.RepairsSent, _statistics.Passes);
    }

    private void Report(MulticastSender sender, IReadOnlyList<TrackedReceiver> receivers, double rate)
    {
        _statistics.SetSent(sender.BytesSent, sender.RepairsSent);
        _statistics.BytesPerSecond = rate;
        _statistics.Receivers = receivers.Count;
        _statistics.ReceiversComplete = receivers.Count(r => r.State == ReceiverState.Complete);
        _statistics.ReceiversEvicted = receivers.Count(r => r.Evicted || r.State == ReceiverState.Fallback);
    }

    private void Evict(TrackedReceiver receiver)
    {
        receiver.Evicted = true;
        _muted[BitConverter.ToUInt64(receiver.Id, 0)] = true; // its NAKs no longer shape the passes
        _log.Warning("Receiver {Node} cannot keep up ({Loss:P0} loss); it takes the rest from the server", receiver.NodeId, receiver.Loss);
        var notice = Sign(new SignedNotice(PacketType.Evict, SessionId, receiver.Id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        _control.Send(notice);
        _control.Send(notice);
    }

    private async Task AnnounceLoopAsync(Func<int> blocksHeld, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.AnnounceInterval);
        do
        {
            var announcement = new Announcement
            {
                ImageHash = _imageHash, MerkleRoot = _merkleRoot, Size = _geometry.Size, BlockSize = _geometry.BlockSize,
                SessionId = SessionId, State = _state, DataPort = (ushort)_endpoint.DataPort, SymbolSize = (ushort)_geometry.SymbolSize,
                TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Sequence = ++_announceSequence,
                BlocksHeld = blocksHeld(), Certificate = _certificate,
            };
            byte[] signed;
            lock (_signing) signed = announcement.Sign(_identity.Key);
            _control.Send(signed);
        }
        while (await Ticks.NextAsync(timer, cancellationToken).ConfigureAwait(false));
    }

    private byte[] Sign(SignedNotice notice)
    {
        lock (_signing) return notice.Sign(_identity.Key);
    }

    private void OnControl(ReadOnlyMemory<byte> datagram, IPAddress from)
    {
        var packet = datagram.Span;
        if (!PacketHeader.TryRead(packet, out var type)) return;
        switch (type)
        {
            case PacketType.Status when ReceiverStatus.TryParse(packet, out var status)
                && status.ImageHash.AsSpan().SequenceEqual(_imageHash) && (status.SessionId == SessionId || status.SessionId == 0):
                var receiver = _receivers.Update(status, from, _dataSender?.LastSequence ?? 0, _geometry.PacketLength);
                if (receiver.FirstSeen == receiver.LastSeen || status.State == ReceiverState.Waiting && receiver.VerifiedBlocks == 0)
                    _log.Debug("Receiver {Node} asks for the image ({State})", receiver.NodeId, status.State);
                break;
            case PacketType.Nak when Nak.TryParse(packet, out var nak) && nak.SessionId == SessionId && !_muted.ContainsKey(nak.ReceiverKey):
                foreach (var run in nak.Runs)
                    for (var b = run.FirstBlock; b < run.FirstBlock + run.Count && b < _geometry.BlockCount; b++)
                        _work.Need(b, run.Need, _geometry.SymbolsPerBlock, nak.SeenSequence);
                break;
            case PacketType.Announce when _state == AnnouncerState.Downloading && _better is null:
                // Two announcers for one image: the one already sending, else the lower node id, keeps the role.
                if (_filter.Accept(packet, from) is { } other
                    && (other.Announcement.State == AnnouncerState.Sending || other.NodeId.Hash.SequenceCompareTo(_identity.NodeId.Hash) < 0))
                    _better = other;
                break;
        }
    }
}
