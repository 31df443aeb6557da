using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Session;

namespace PeerStorage.Core.Multicast;

/// <summary>Where one receive run stands, turned into the status objects scripts see.</summary>
internal sealed class TransferTracker(ImageManifest manifest, string target, ImageStaging staging)
{
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;
    private readonly long _verifiedAtStart = staging.VerifiedBytes;

    public string Hash => manifest.Hash;
    public SessionStatistics Statistics { get; } = new();
    public volatile string Role = "Listening";
    public volatile string State = "Listening";
    public volatile string? Announcer;
    public volatile string? Error;
    /// <summary>The session this machine announces, while it does.</summary>
    public volatile SenderSession? Sender;

    public DiskImageTransfer Snapshot()
    {
        var duration = DateTimeOffset.UtcNow - _started;
        var verified = staging.VerifiedBytes;
        return new DiskImageTransfer
        {
            Hash = manifest.Hash, Target = target, Role = Role, State = State, Size = manifest.Size, BytesVerified = verified,
            PercentComplete = Math.Round(100.0 * verified / manifest.Size, 1), BytesFromServer = Statistics.BytesFromServer,
            BytesFromMulticast = Statistics.BytesFromMulticast, Announcer = Announcer, RejectedBlocks = Statistics.RejectedBlocks,
            ForeignPackets = Statistics.ForeignPackets, Started = _started, Duration = duration,
            MiBPerSecond = duration.TotalSeconds <= 0 ? 0 : Math.Round((verified - _verifiedAtStart) / 1048576.0 / duration.TotalSeconds, 1),
            Error = Error, ProcessId = Environment.ProcessId,
        };
    }

    public DiskImageSession SessionSnapshot(SenderSession sender) =>
        SessionStatus.Describe(manifest, sender, Statistics, _started, State == "Sending" ? "Sending" : "Announcing", null);
}
