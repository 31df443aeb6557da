using Microsoft.Win32.SafeHandles;
using PeerStorage.Core.Platform;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// Where a receiver assembles an image: a file of exactly the image's size, written block by block in any order as
/// verified blocks arrive (from the server or from multicast), and the persistent map of which blocks are verified
/// (<c>&lt;staging&gt;.blocks</c>). A block counts after a restart only if <see cref="Checkpoint"/> recorded it,
/// and Checkpoint records a block only after its data is on disk. Thread-safe for concurrent stores.
/// </summary>
public sealed class ImageStaging : IDisposable
{
    public const string MapSuffix = ".blocks";

    private readonly SafeFileHandle _data;
    private readonly FileStream _flusher; // FileStream.Flush(true) is the portable fsync over the same handle
    private readonly ulong[] _verified; // one bit per block; set only after the block's bytes are written
    private readonly Lock _checkpointLock = new();
    private int _verifiedCount;
    private long _verifiedBytes;
    private int _unsaved; // 1 when a block was stored since the last checkpoint
    private long _unwritten; // bytes stored since the kernel was last asked to start writing them out
    private const long WritebackEvery = 8 << 20;
    private bool _disposed;

    private ImageStaging(string path, ImageManifest manifest, SafeFileHandle data, ulong[] verified)
    {
        Path = path;
        Manifest = manifest;
        _data = data;
        _flusher = new FileStream(data, FileAccess.ReadWrite, bufferSize: 0);
        _verified = verified;
        for (var block = 0; block < manifest.BlockCount; block++)
        {
            if (!Has(block)) continue;
            _verifiedCount++;
            _verifiedBytes += manifest.BlockLength(block);
        }
    }

    public string Path { get; }
    public string MapPath => Path + MapSuffix;
    public ImageManifest Manifest { get; }
    public int BlockCount => Manifest.BlockCount;
    public int VerifiedCount => Volatile.Read(ref _verifiedCount);
    public long VerifiedBytes => Interlocked.Read(ref _verifiedBytes);
    public bool IsComplete => VerifiedCount == BlockCount;
    /// <summary>True when blocks were stored that a crash now would lose (no <see cref="Checkpoint"/> since).</summary>
    public bool HasUnsavedChanges => Volatile.Read(ref _unsaved) != 0;

    /// <summary>
    /// Creates the staging file (sparse, the image's size) or reopens one and resumes from its map. A map for another
    /// image, a damaged map, or a map whose data file is missing or of the wrong size is discarded.
    /// </summary>
    public static ImageStaging Open(string stagingPath, ImageManifest manifest)
    {
        var existed = File.Exists(stagingPath);
        SafeFileHandle data;
        // FileShare.None locks the file: two receivers assembling into one staging file would trust each other's maps.
        try { data = File.OpenHandle(stagingPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException e) when (File.Exists(stagingPath))
        {
            throw new PeerStorageException("StagingInUse", PeerErrorKind.ResourceUnavailable,
                $"The staging file '{stagingPath}' is in use by another receiver: {e.Message}", e, stagingPath);
        }
        try
        {
            var sameFile = existed && RandomAccess.GetLength(data) == manifest.Size;
            var mapPath = stagingPath + MapSuffix;
            var verified = sameFile ? VerifiedBlockMapFile.TryLoad(mapPath, manifest) : null;
            if (verified is null)
            {
                File.Delete(mapPath); // never trusted later either
                RandomAccess.SetLength(data, manifest.Size);
                verified = new ulong[VerifiedBlockMapFile.WordCount(manifest.BlockCount)];
            }
            return new ImageStaging(stagingPath, manifest, data, verified);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    public bool Has(int block)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, BlockCount);
        return (Volatile.Read(ref _verified[block >> 6]) & (1UL << (block & 63))) != 0;
    }

    /// <summary>
    /// Verifies <paramref name="data"/> against the block's leaf and writes it; false, with nothing written, when it
    /// does not verify (wrong length, wrong bytes, no such block). Storing a block again is harmless.
    /// </summary>
    public bool TryStoreBlock(int block, ReadOnlySpan<byte> data)
    {
        if (!Manifest.VerifyBlock(block, data)) return false;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Has(block)) return true;
        RandomAccess.Write(_data, data, Manifest.BlockOffset(block));
        // Written out as it comes rather than all at the next checkpoint or at the end: the fsync that makes the image
        // durable before it counts as written then waits for a few MiB, not for everything stored in the last second.
        if (Interlocked.Add(ref _unwritten, data.Length) >= WritebackEvery)
        {
            Interlocked.Exchange(ref _unwritten, 0);
            PageCache.StartWriteback(_data);
        }
        var bit = 1UL << (block & 63);
        if ((Interlocked.Or(ref _verified[block >> 6], bit) & bit) == 0)
        {
            Interlocked.Increment(ref _verifiedCount);
            Interlocked.Add(ref _verifiedBytes, data.Length);
            Volatile.Write(ref _unsaved, 1);
        }
        return true;
    }

    /// <summary>Reads a verified block into <paramref name="destination"/>; returns its length.</summary>
    public int ReadBlock(int block, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Has(block)) throw new InvalidOperationException($"Block {block} is not verified yet; only verified blocks are read back.");
        var length = Manifest.BlockLength(block);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        var offset = Manifest.BlockOffset(block);
        for (var done = 0; done < length;)
        {
            var n = RandomAccess.Read(_data, destination[done..length], offset + done);
            if (n == 0) throw new EndOfStreamException($"The staging file '{Path}' is shorter than the image.");
            done += n;
        }
        return length;
    }

    /// <summary>
    /// Makes every block stored so far survive a crash: fsync the data, then write the map (temp, fsync, rename).
    /// Cheap when nothing changed; call it every second or so while receiving, and at the end.
    /// </summary>
    public void Checkpoint()
    {
        lock (_checkpointLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Interlocked.Exchange(ref _unsaved, 0) == 0) return;
            try
            {
                // Snapshot first: a bit is set only after its block was written, so the fsync below covers every bit in it.
                var snapshot = new ulong[_verified.Length];
                for (var i = 0; i < snapshot.Length; i++) snapshot[i] = Volatile.Read(ref _verified[i]);
                _flusher.Flush(flushToDisk: true);
                VerifiedBlockMapFile.Save(MapPath, Manifest, snapshot);
            }
            catch
            {
                Volatile.Write(ref _unsaved, 1);
                throw;
            }
        }
    }

    /// <summary>The runs of blocks not verified yet, in block order.</summary>
    public IEnumerable<(int FirstBlock, int Count)> MissingRuns()
    {
        var first = -1;
        for (var block = 0; block < BlockCount; block++)
        {
            // Whole words of verified blocks are skipped at once.
            if (first < 0 && (block & 63) == 0 && Volatile.Read(ref _verified[block >> 6]) == ulong.MaxValue)
            {
                block += 63;
                continue;
            }
            if (Has(block))
            {
                if (first >= 0) yield return (first, block - first);
                first = -1;
            }
            else if (first < 0) first = block;
        }
        if (first >= 0) yield return (first, BlockCount - first);
    }

    /// <summary>True when the staging file's SHA-256 is the manifest's <see cref="ImageManifest.Hash"/>.</summary>
    public async Task<bool> VerifyImageAsync(IProgress<long>? bytesHashed = null, CancellationToken cancellationToken = default) =>
        await SequentialReader.Sha256Async(_data, Manifest.Size, bytesHashed, cancellationToken).ConfigureAwait(false) == Manifest.Hash;

    internal SafeFileHandle DataHandle => _data;

    /// <summary>
    /// Moves the staging file to <paramref name="destination"/> by rename when both are on one filesystem (after an
    /// fsync); the staging is then closed and its map deleted. False, with nothing changed, across filesystems.
    /// </summary>
    internal bool TryMoveTo(string destination)
    {
        lock (_checkpointLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _flusher.Flush(flushToDisk: true);
            if (!SameFilesystemRename.TryRename(Path, destination)) return false;
            _disposed = true;
            _flusher.Dispose();
            File.Delete(MapPath); // its data file is gone: a map left here would vouch for a fresh, empty one
            return true;
        }
    }

    /// <summary>Test hook: closes the files as a crash would, without a checkpoint.</summary>
    internal void CloseWithoutCheckpoint()
    {
        _disposed = true;
        _flusher.Dispose();
    }

    public void Dispose()
    {
        if (_disposed) return;
        try { Checkpoint(); }
        finally
        {
            _disposed = true;
            _flusher.Dispose();
        }
    }
}
