using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Net;
using PeerStorage.Core.Multicast.Session;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;

namespace PeerStorage.Core.Multicast;

/// <summary>What Send-DiskImageMulticast was asked to do.</summary>
public sealed record DiskImageSendRequest
{
    /// <summary>The image file or device this node holds.</summary>
    public required string ImagePath { get; init; }
    /// <summary>Its manifest (else one is computed from the image).</summary>
    public string? ManifestPath { get; init; }
    public MulticastEndpoint Endpoint { get; init; } = new();
    public SenderOptions Sender { get; init; } = new();
}

/// <summary>
/// The sending role on its own, for a node that already holds the image: it announces the image, multicasts it to
/// every receiver that asks (late ones complete from the next pass) and ends when all are done and nobody new came
/// for the linger time. The image is checked against its manifest before anything is sent.
/// </summary>
public static class DiskImageSend
{
    public static async Task<DiskImageSession> RunAsync(NodeHome home, DiskImageSendRequest request, Action<DiskImageSession>? progress,
        IProgress<long>? hashing, CancellationToken cancellationToken)
    {
        request.Endpoint.Validate();
        var manifest = await ManifestFor(request, hashing, cancellationToken).ConfigureAwait(false);
        var geometry = ImagingErrors.GeometryOf(manifest);
        var log = home.Log.ForContext("Image", manifest.Hash[..12]);
        var hash = Convert.FromHexString(manifest.Hash);
        var root = Convert.FromHexString(manifest.MerkleRoot);
        ImagingStatusStore.ClearStop(home, manifest.Hash);
        var started = DateTimeOffset.UtcNow;
        var statistics = new SessionStatistics();
        using var blocks = new ImageFileBlocks(request.ImagePath, manifest, alreadyChecked: request.ManifestPath is null);
        using var control = new ControlChannel(request.Endpoint, log);
        var filter = new AnnouncementFilter(hash, root, new NodeTrustPolicy(home), home.NodeId, log);
        var sender = new SenderSession(request.Endpoint, control, geometry, hash, root, home.Identity, filter, request.Sender, statistics, log);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var state = "Sending";
        string? error = null;
        DiskImageSession Snapshot() => SessionStatus.Describe(manifest, sender, statistics, started, state, error);
        var reporting = ReportLoopAsync(home, manifest.Hash, Snapshot, progress, stop);
        try
        {
            await sender.RunAsync(null, () => manifest.BlockCount, blocks, stop.Token).ConfigureAwait(false);
            state = "Completed";
        }
        catch (OperationCanceledException)
        {
            state = "Stopped";
            throw;
        }
        catch (Exception e)
        {
            state = "Failed";
            error = e.Message;
            throw;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reporting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            ImagingStatusStore.Write(home, Snapshot());
            ImagingStatusStore.ClearStop(home, manifest.Hash);
        }
        return Snapshot();
    }

    private static async Task<ImageManifest> ManifestFor(DiskImageSendRequest request, IProgress<long>? hashing, CancellationToken cancellationToken)
    {
        if (request.ManifestPath is null)
            return await ImageManifest.CreateAsync(request.ImagePath, bytesHashed: hashing, cancellationToken: cancellationToken).ConfigureAwait(false);
        // With a manifest, every block is checked against its leaf as it is first read (ImageFileBlocks): no pass of
        // hashing delays the first packet, and a wrong file is still refused before its first wrong block leaves.
        var manifest = ImageManifest.Load(request.ManifestPath);
        var length = StorageLength.Of(request.ImagePath);
        if (length < manifest.Size)
            throw new PeerStorageException(ImagingErrors.ImageFileMismatch, PeerErrorKind.InvalidData,
                $"'{request.ImagePath}' holds {length} bytes; the manifest's image ({manifest.Hash}) has {manifest.Size}.", target: request.ImagePath);
        return manifest;
    }

    private static async Task ReportLoopAsync(NodeHome home, string hash, Func<DiskImageSession> snapshot, Action<DiskImageSession>? progress, CancellationTokenSource stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await Session.Ticks.NextAsync(timer, stop.Token).ConfigureAwait(false))
        {
            var current = snapshot();
            ImagingStatusStore.Write(home, current);
            progress?.Invoke(current);
            if (ImagingStatusStore.StopRequested(home, hash)) await stop.CancelAsync().ConfigureAwait(false);
        }
    }
}
