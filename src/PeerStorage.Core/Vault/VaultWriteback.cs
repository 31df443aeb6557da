using Microsoft.Win32.SafeHandles;
using PeerStorage.Core.Platform;

namespace PeerStorage.Core.Vault;

/// <summary>
/// Moves a streaming writer's bytes towards the disk while the writer goes on, so the flush at its commit finds
/// little left to do. Two steps, both off the writer's path: each batch is handed to the disk as it is sealed
/// (Linux <c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>: writeback starts, nothing waits), and every
/// <see cref="DefaultEarlyFlushBytes"/> a flush (<c>fdatasync</c>) runs on a worker. The early flush matters on virtual
/// disks: their writes complete into the host's cache, and it is the flush that pays for getting them onto the
/// medium, so one flush at the end would pay for the whole transfer at once (~0.35 s per GiB here) while the
/// writer's CPU work sat idle. Neither step changes an ordering or a durability rule: data only ever becomes
/// durable sooner, and an acknowledgement still waits for the commit's own flush. Where unavailable, both do nothing.
/// </summary>
/// <remarks>
/// It works on the carrier's inode, so it uses a handle of its own: read-only, without the vault's exclusive lock
/// (Linux flushes an inode through any of its descriptors).
/// </remarks>
internal sealed class VaultWriteback : IDisposable
{
    /// <summary>Bytes handed to the disk between two early flushes: large enough that the flushes cost nothing extra.</summary>
    internal const long DefaultEarlyFlushBytes = 128L << 20;
    private readonly SafeFileHandle? _handle;
    private long _sinceFlush;
    private Task _flushing = Task.CompletedTask;

    /// <summary>Early flushes started so far.</summary>
    public int EarlyFlushes { get; private set; }

    private VaultWriteback(SafeFileHandle? handle) => _handle = handle;

    public static VaultWriteback For(string carrierPath)
    {
        if (!OperatingSystem.IsLinux()) return new VaultWriteback(null);
        try { return new VaultWriteback(File.OpenHandle(carrierPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new VaultWriteback(null); }
    }

    /// <summary>
    /// Asks the kernel to start writing the dirty pages of [offset, offset + length) back; once enough has been handed
    /// over since the last early flush (<paramref name="flushEvery"/> bytes, and none is running), starts the next one
    /// on a worker.
    /// </summary>
    public void Start(long offset, long length, long flushEvery = DefaultEarlyFlushBytes)
    {
        if (_handle is null || _handle.IsClosed || length <= 0) return;
        PageCache.StartWriteback(_handle, offset, length);
        _sinceFlush += length;
        if (_sinceFlush < flushEvery || !_flushing.IsCompleted) return;
        _sinceFlush = 0;
        EarlyFlushes++;
        var handle = _handle;
        _flushing = Task.Run(() => PageCache.FlushData(handle));
    }

    public void Dispose()
    {
        // An early flush in flight holds a reference to the handle: the descriptor closes when it is done.
        _handle?.Dispose();
    }
}
