using PeerStorage.Core.Jobs;
using PeerStorage.Core.Multicast;

namespace PeerStorage.PowerShell.Imaging;

/// <summary>The engine's manifest as the object scripts see.</summary>
internal static class ImagingModel
{
    public static DiskImageManifest Describe(ImageManifest manifest, string? path) => new()
    {
        Hash = manifest.Hash, Size = manifest.Size, SectorSize = manifest.SectorSize, MinimumCapacity = manifest.MinimumCapacity,
        MerkleRoot = manifest.MerkleRoot, BlockSize = manifest.BlockSize, BlockCount = manifest.BlockCount, Path = path,
    };
}

/// <summary>Progress records of the imaging cmdlets.</summary>
internal static class ImagingProgress
{
    public static OperationProgress Bytes(string activity, long done, long total) =>
        new(activity, $"{done / 1048576.0:N1} of {total / 1048576.0:N1} MiB", total <= 0 ? -1 : (int)Math.Min(100, done * 100 / total), Completed: total > 0 && done >= total);

    public static OperationProgress Of(DiskImageTransfer t) =>
        new($"Image {t.Hash[..12]} to {t.Target}", $"{t.State} ({t.Role}): {t.BytesVerified / 1048576.0:N1} of {t.Size / 1048576.0:N1} MiB, {t.MiBPerSecond:N1} MiB/s",
            (int)t.PercentComplete);

    public static OperationProgress Of(DiskImageSession s) =>
        new($"Multicasting image {s.Hash[..12]}", $"{s.State}: {s.ReceiversComplete} of {s.Receivers} receivers done, {s.ReceiversEvicted} sent to the server, {s.MiBPerSecond:N1} MiB/s");
}
