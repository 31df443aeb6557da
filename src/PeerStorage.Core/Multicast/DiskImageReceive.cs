using System.Net;
using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Net;
using PeerStorage.Core.Multicast.Session;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using Serilog;

namespace PeerStorage.Core.Multicast;

/// <summary>What Receive-DiskImageMulticast was asked to do.</summary>
public sealed record DiskImageReceiveRequest
{
    /// <summary>The image on its HTTP(S) server; its manifest is at the same URL plus ".manifest.json".</summary>
    public required Uri ServerUri { get; init; }
    /// <summary>The block device or file the image is written over.</summary>
    public required string Target { get; init; }
    /// <summary>A manifest file from a trusted source (else the server's).</summary>
    public string? ManifestPath { get; init; }
    /// <summary>The SHA-256 the image must have.</summary>
    public string? ExpectedHash { get; init; }
    /// <summary>Where the image is assembled (default: beside a file target, or in the node home for a device).</summary>
    public string? StagingPath { get; init; }
    public MulticastEndpoint Endpoint { get; init; } = new();
    public ReceiverOptions Receiver { get; init; } = new();
    public SenderOptions Sender { get; init; } = new();
}

/// <summary>
/// The whole flow on one machine: listen for an announcer of the image; if there is one, ask it and take its multicast;
/// if there is none (or it falls silent), download from the server while announcing, then multicast the image to
/// whoever asked; if the multicast fails (sent away, ended early, stalled), take what is missing from the server. Every
/// block is checked against the manifest's Merkle tree as it arrives and kept in a staging file whose map of verified
/// blocks survives a restart. Once the image is whole and its SHA-256 matches, it is written over the target.
/// </summary>
public static class DiskImageReceive
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SettleAfterFirstAnnouncer = TimeSpan.FromMilliseconds(300);

    public static async Task<DiskImageTransfer> RunAsync(NodeHome home, DiskImageReceiveRequest request, Action<DiskImageTransfer>? progress,
        CancellationToken cancellationToken)
    {
        request.Endpoint.Validate();
        using var server = new ImageServerClient();
        // Listening starts before the manifest is here: announcements heard meanwhile are kept and judged once it is,
        // so an announcer already speaking is taken without waiting for its next announcement.
        using var control = new ControlChannel(request.Endpoint, home.Log);
        var early = new EarlyAnnouncements();
        control.Handler = early.Add;
        var manifest = await ManifestFor(request, server, cancellationToken).ConfigureAwait(false);
        var target = ImageTarget.Inspect(request.Target);
        target.CheckFits(manifest);
        var geometry = ImagingErrors.GeometryOf(manifest);
        var log = home.Log.ForContext("Image", manifest.Hash[..12]);
        var stagingPath = request.StagingPath ?? (target.IsBlockDevice
            ? Path.Combine(ImagingStatusStore.DirectoryOf(home), $"{manifest.Hash}.img")
            : target.Path + ".partial");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stagingPath))!);
        ImagingStatusStore.ClearStop(home, manifest.Hash);

        using var staging = ImageStaging.Open(stagingPath, manifest);
        var tracker = new TransferTracker(manifest, target.Path, staging);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporting = ReportLoopAsync(home, tracker, staging, progress, stop);
        try
        {
            if (staging.VerifiedCount > 0) log.Information("Resuming image {Hash}: {Blocks} of {Total} blocks already verified", manifest.Hash, staging.VerifiedCount, staging.BlockCount);
            using var wholeImage = new SequentialImageHash(staging);
            if (!staging.IsComplete)
                await TransferAsync(home, request, manifest, geometry, staging, server, control, early, tracker, wholeImage, log, stop.Token).ConfigureAwait(false);

            tracker.State = "Verifying";
            // Hashed while it arrived (in order); what was stored out of order or before a restart is read back now.
            if (wholeImage.Result() != manifest.Hash)
                throw new PeerStorageException(ImagingErrors.ImageHashMismatch, PeerErrorKind.InvalidData,
                    $"The assembled image does not hash to {manifest.Hash} although every block matched its leaf: the manifest is inconsistent.", target: stagingPath);
            tracker.State = "Writing";
            await target.WriteImageAsync(staging, null, stop.Token).ConfigureAwait(false);
            tracker.State = "Completed";
            log.Information("Image {Hash} written over {Target}: {Server} bytes from the server, {Multicast} by multicast",
                manifest.Hash, target.Path, tracker.Statistics.BytesFromServer, tracker.Statistics.BytesFromMulticast);
        }
        catch (OperationCanceledException)
        {
            tracker.State = "Stopped";
            throw;
        }
        catch (Exception e)
        {
            tracker.State = "Failed";
            tracker.Error = e.Message;
            throw;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reporting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (tracker.State != "Completed") staging.Checkpoint(); // what was verified survives for the next attempt
            ImagingStatusStore.Write(home, tracker.Snapshot());
            ImagingStatusStore.ClearStop(home, manifest.Hash);
        }
        if (tracker.State == "Completed") DeleteStaging(stagingPath);
        return tracker.Snapshot();
    }

    private static async Task TransferAsync(NodeHome home, DiskImageReceiveRequest request, ImageManifest manifest, ImageGeometry geometry,
        ImageStaging staging, ImageServerClient server, ControlChannel control, EarlyAnnouncements? early, TransferTracker tracker,
        SequentialImageHash wholeImage, ILogger log, CancellationToken cancellationToken)
    {
        var hash = Convert.FromHexString(manifest.Hash);
        var root = Convert.FromHexString(manifest.MerkleRoot);
        var filter = new AnnouncementFilter(hash, root, new NodeTrustPolicy(home), home.NodeId, log);
        var listen = request.Receiver.ListenTime;
        var fromServer = new Progress<long>();
        while (!staging.IsComplete)
        {
            tracker.Role = "Listening";
            tracker.State = "Listening";
            var announcer = await ListenAsync(control, filter, listen, early, cancellationToken).ConfigureAwait(false);
            early = null; // heard once; later listens start afresh
            if (announcer is not null)
            {
                tracker.Role = "Receiver";
                tracker.State = "Receiving";
                tracker.Announcer = announcer.NodeId.ToString();
                var session = new ReceiverSession(request.Endpoint, control, geometry, staging, announcer, filter, hash, home.NodeId,
                    request.Receiver, tracker.Statistics, log, wholeImage);
                var outcome = await session.RunAsync(cancellationToken).ConfigureAwait(false);
                log.Information("Left the multicast of {Node}: {Outcome}", announcer.NodeId.Short, outcome);
                if (outcome == ReceiverOutcome.Complete) return;
                if (outcome == ReceiverOutcome.AnnouncerLost)
                {
                    // Failover: after a short random wait (so waiting receivers do not all take over at once) the
                    // first to hear nobody becomes the announcer.
                    listen = TimeSpan.FromMilliseconds(Random.Shared.Next(100, 700));
                    continue;
                }
                tracker.Role = "Server";
                tracker.State = "Downloading";
                await FetchAsync(request, server, staging, tracker, cancellationToken).ConfigureAwait(false);
                return;
            }

            tracker.Role = "Announcer";
            tracker.State = "Downloading";
            var sender = new SenderSession(request.Endpoint, control, geometry, hash, root, home.Identity, filter, request.Sender,
                tracker.Statistics, log);
            tracker.Sender = sender;
            var result = await sender.RunAsync(
                staging.IsComplete ? null : token => FetchAsync(request, server, staging, tracker, token, sending: true),
                () => staging.VerifiedCount, new StagedBlocks(staging), cancellationToken).ConfigureAwait(false);
            tracker.Sender = null;
            if (result == SenderOutcome.Finished) return;
            listen = request.Receiver.ListenTime; // stepped down: the better announcer is there to be heard
        }
    }

    private static async Task FetchAsync(DiskImageReceiveRequest request, ImageServerClient server, ImageStaging staging, TransferTracker tracker,
        CancellationToken cancellationToken, bool sending = false)
    {
        var before = staging.VerifiedBytes;
        try
        {
            await server.FetchMissingAsync(request.ServerUri, staging, null, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            tracker.Statistics.AddFromServer(staging.VerifiedBytes - before);
        }
        if (sending) tracker.State = "Sending";
    }

    /// <summary>
    /// Listens up to <paramref name="listen"/> for an announcer. Once one is heard it waits a moment more (a sending
    /// announcer, or one with a lower node id, may be about to speak too) and takes the best.
    /// </summary>
    private static async Task<HeardAnnouncer?> ListenAsync(ControlChannel control, AnnouncementFilter filter, TimeSpan listen,
        EarlyAnnouncements? early, CancellationToken cancellationToken)
    {
        HeardAnnouncer? best = null;
        var gate = new object();
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Take(ReadOnlyMemory<byte> datagram, IPAddress from)
        {
            if (filter.Accept(datagram.Span, from) is not { } announcer) return;
            lock (gate)
            {
                // One already sending beats one still downloading; among equals the lower node id, as announcers agree.
                if (best is null || Better(announcer, best)) best = announcer;
            }
            heard.TrySetResult();
            if (announcer.Announcement.State == Protocol.AnnouncerState.Sending) sending.TrySetResult();
        }
        control.Handler = Take;
        // What came before the manifest, judged now (the filter drops any it sees twice).
        if (early is not null)
            foreach (var (datagram, from) in early.Drain()) Take(datagram, from);
        try
        {
            await Task.WhenAny(heard.Task, Task.Delay(listen, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            // One already sending is taken at once; for one still downloading, a moment for a better one to speak
            // (cut short when one that sends speaks up).
            if (heard.Task.IsCompleted && !sending.Task.IsCompleted)
                await Task.WhenAny(sending.Task, Task.Delay(SettleAfterFirstAnnouncer, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            control.Handler = null;
        }
        lock (gate) return best;
    }

    /// <summary>
    /// Announcements heard before the manifest (and so the filter) is known: the last few, copied, judged later. Only
    /// their count is bounded, not their source: they are checked in full (signature, trust, image) when judged.
    /// </summary>
    private sealed class EarlyAnnouncements
    {
        private const int Keep = 16;
        private readonly Queue<(ReadOnlyMemory<byte> Datagram, IPAddress From)> _kept = new();

        public void Add(ReadOnlyMemory<byte> datagram, IPAddress from)
        {
            if (!Protocol.PacketHeader.TryRead(datagram.Span, out var type) || type != Protocol.PacketType.Announce) return;
            lock (_kept)
            {
                if (_kept.Count == Keep) _kept.Dequeue();
                _kept.Enqueue((datagram.ToArray(), from)); // the channel reuses its buffer
            }
        }

        public List<(ReadOnlyMemory<byte> Datagram, IPAddress From)> Drain()
        {
            lock (_kept)
            {
                var all = _kept.ToList();
                _kept.Clear();
                return all;
            }
        }
    }

    private static bool Better(HeardAnnouncer a, HeardAnnouncer b)
    {
        if (a.Announcement.State != b.Announcement.State) return a.Announcement.State == Protocol.AnnouncerState.Sending;
        return a.NodeId.Hash.SequenceCompareTo(b.NodeId.Hash) < 0;
    }

    private static async Task<ImageManifest> ManifestFor(DiskImageReceiveRequest request, ImageServerClient server, CancellationToken cancellationToken)
    {
        var manifest = request.ManifestPath is { } path ? ImageManifest.Load(path) : await server.GetManifestAsync(request.ServerUri, cancellationToken).ConfigureAwait(false);
        if (request.ExpectedHash is { } expected && !string.Equals(expected, manifest.Hash, StringComparison.OrdinalIgnoreCase))
            throw new PeerStorageException(ImagingErrors.ImageHashMismatch, PeerErrorKind.InvalidData,
                $"The manifest describes image {manifest.Hash}, not the {expected} asked for.", target: request.ManifestPath ?? request.ServerUri.ToString());
        return manifest;
    }

    private static async Task ReportLoopAsync(NodeHome home, TransferTracker tracker, ImageStaging staging, Action<DiskImageTransfer>? progress, CancellationTokenSource stop)
    {
        using var timer = new PeriodicTimer(ReportEvery);
        while (await Session.Ticks.NextAsync(timer, stop.Token).ConfigureAwait(false))
        {
            if (staging.HasUnsavedChanges) staging.Checkpoint();
            var snapshot = tracker.Snapshot();
            ImagingStatusStore.Write(home, snapshot);
            if (tracker.Sender is { } sender) ImagingStatusStore.Write(home, tracker.SessionSnapshot(sender));
            progress?.Invoke(snapshot);
            if (ImagingStatusStore.StopRequested(home, tracker.Hash)) await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    private static void DeleteStaging(string stagingPath)
    {
        File.Delete(stagingPath);
        File.Delete(stagingPath + ImageStaging.MapSuffix);
    }
}
