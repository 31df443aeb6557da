using Microsoft.Win32.SafeHandles;
using PeerStorage.Core.Platform;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// Where a verified image is written: a block device (overwritten from byte 0) or a file (replaced). Refuses a
/// device that is mounted or in use, smaller than the image needs, or of another logical sector size.
/// </summary>
public sealed class ImageTarget
{
    private const int FileSectorSize = 512;

    private ImageTarget(string path, bool isBlockDevice, long capacity, int logicalSectorSize)
    {
        Path = path;
        IsBlockDevice = isBlockDevice;
        Capacity = capacity;
        LogicalSectorSize = logicalSectorSize;
    }

    public string Path { get; }
    public bool IsBlockDevice { get; }
    /// <summary>A device's size; a file's current length (0 when it does not exist yet).</summary>
    public long Capacity { get; }
    public int LogicalSectorSize { get; }

    public static ImageTarget Inspect(string path) => BlockDevices.NameOf(path) is { } device
        ? new ImageTarget(path, isBlockDevice: true, BlockDeviceSize.Of(path) ?? 0, BlockDevices.LogicalSectorSize(device))
        : new ImageTarget(path, isBlockDevice: false, StorageLength.Of(path), FileSectorSize);

    /// <summary>
    /// Throws <see cref="ImageTargetException"/> when the image cannot go here. A file grows to the image's size and
    /// has no sectors of its own, so only a device can be too small, of the wrong sector size, or mounted.
    /// </summary>
    public void CheckFits(ImageManifest manifest)
    {
        if (!IsBlockDevice) return;
        try { BlockDevices.ThrowIfInUse(Path); }
        catch (PeerStorageException e)
        {
            throw new ImageTargetException(ImageTargetException.Mounted, PeerErrorKind.ResourceUnavailable, e.Message, e, Path);
        }
        if (Capacity < manifest.MinimumCapacity)
            throw new ImageTargetException(ImageTargetException.TooSmall, PeerErrorKind.InvalidArgument,
                $"'{Path}' holds {Capacity} bytes; the image needs at least {manifest.MinimumCapacity}.", target: Path);
        if (LogicalSectorSize != manifest.SectorSize)
            throw new ImageTargetException(ImageTargetException.SectorSizeMismatch, PeerErrorKind.InvalidArgument,
                $"'{Path}' has {LogicalSectorSize}-byte logical sectors; the image was made for {manifest.SectorSize}-byte sectors.", target: Path);
    }

    /// <summary>
    /// Writes the complete staging over the target and checks what reads back from it against the image's hash.
    /// A device is written from byte 0 in large aligned writes and fsynced; a file on the staging's filesystem is
    /// replaced by renaming the staging onto it (the staging is then closed), elsewhere copied and fsynced.
    /// <paramref name="bytes"/> counts the bytes written, then those read back: it ends at twice the image size.
    /// </summary>
    public async Task WriteImageAsync(ImageStaging staging, IProgress<long>? bytes = null, CancellationToken cancellationToken = default)
    {
        var manifest = staging.Manifest;
        if (!staging.IsComplete)
            throw new ImageTargetException(ImageTargetException.StagingIncomplete, PeerErrorKind.InvalidOperation,
                $"The staging '{staging.Path}' has {staging.VerifiedCount} of {staging.BlockCount} blocks; only a complete image is written.", target: Path);
        CheckFits(manifest);

        if (!IsBlockDevice && staging.TryMoveTo(Path))
        {
            // The staging was verified against the image's hash just before, and a rename moves no bytes.
            bytes?.Report(2 * manifest.Size);
            return;
        }
        {
            using var target = File.OpenHandle(Path, IsBlockDevice ? FileMode.Open : FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            await CopyAsync(staging.DataHandle, target, manifest.Size, bytes, cancellationToken).ConfigureAwait(false);
            if (!IsBlockDevice) RandomAccess.SetLength(target, manifest.Size); // a longer old file keeps no tail
            using (var flusher = new FileStream(target, FileAccess.ReadWrite, bufferSize: 0)) flusher.Flush(flushToDisk: true);
        }
        bytes?.Report(manifest.Size);

        using var readBack = SequentialReader.OpenForReading(Path);
        PageCache.Drop(readBack);
        var hash = await SequentialReader.Sha256Async(readBack, manifest.Size, Offset(bytes, manifest.Size), cancellationToken).ConfigureAwait(false);
        if (hash != manifest.Hash)
            throw new ImageTargetException(ImageTargetException.VerifyFailed, PeerErrorKind.InvalidData,
                $"'{Path}' reads back with SHA-256 {hash}; the image is {manifest.Hash}. The device may be failing.", target: Path);
    }

    private static Task CopyAsync(SafeFileHandle source, SafeFileHandle target, long length, IProgress<long>? bytes, CancellationToken cancellationToken) =>
        // Chunks start at multiples of the chunk size: aligned for any sector size.
        SequentialReader.ReadAsync(source, length, SequentialReader.DefaultChunkSize,
            (chunk, offset) => RandomAccess.WriteAsync(target, chunk, offset, cancellationToken), bytes, cancellationToken);

    private static IProgress<long>? Offset(IProgress<long>? inner, long offset) => inner is null ? null : new OffsetProgress(inner, offset);

    private sealed class OffsetProgress(IProgress<long> inner, long offset) : IProgress<long>
    {
        public void Report(long value) => inner.Report(offset + value);
    }
}
