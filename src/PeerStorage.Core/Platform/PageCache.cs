using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PeerStorage.Core.Platform;

/// <summary>
/// Hints to the kernel's page cache, for the vault and the imaging staging: drop a file's or device's clean cached
/// pages (posix_fadvise DONTNEED), so that reading back what was just written reads the disk, not the copy the kernel
/// still holds; start writing dirty pages out without waiting for them (sync_file_range WRITE); and flush a file's
/// data (fdatasync) from a worker, ahead of the flush that acknowledges it. All of them only change when work is done,
/// never what is durable when: that is decided by the callers' own flushes. Linux only; elsewhere they do nothing.
/// </summary>
internal static class PageCache
{
    private const int DontNeed = 4; // POSIX_FADV_DONTNEED on Linux
    private const uint SyncFileRangeWrite = 2; // SYNC_FILE_RANGE_WRITE

    public static void Drop(SafeFileHandle handle) => Call(handle, fd => Fadvise(fd, 0, 0, DontNeed));

    /// <summary>
    /// Starts the write-out of the dirty pages of [offset, offset + length) (length 0: to the end) and returns; it may
    /// wait while the device's queue is full.
    /// </summary>
    public static void StartWriteback(SafeFileHandle handle, long offset = 0, long length = 0) =>
        Call(handle, fd => SyncFileRange(fd, offset, length, SyncFileRangeWrite));

    /// <summary>fdatasync: the file's data and what is needed to read it back reach the medium.</summary>
    public static void FlushData(SafeFileHandle handle) => Call(handle, FileDataSync);

    /// <summary>Runs a libc call on the handle; a hint, so its failures do not matter (a closed handle included).</summary>
    private static void Call(SafeFileHandle handle, Func<int, int> call)
    {
        if (!OperatingSystem.IsLinux()) return;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added); // throws once disposed: then there is nothing to hint
            _ = call((int)handle.DangerousGetHandle());
        }
        catch (Exception e) when (e is ObjectDisposedException or EntryPointNotFoundException or DllNotFoundException) { }
        finally { if (added) handle.DangerousRelease(); }
    }

    [DllImport("libc", EntryPoint = "sync_file_range")]
    private static extern int SyncFileRange(int fd, long offset, long length, uint flags);

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int Fadvise(int fd, long offset, long length, int advice);

    [DllImport("libc", EntryPoint = "fdatasync")]
    private static extern int FileDataSync(int fd);
}
