using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// Hints to the kernel's page cache: drop a file's or device's clean cached pages (posix_fadvise DONTNEED), so that
/// reading back what was just written reads the disk, not the copy the kernel still holds in memory; and start writing
/// a file's dirty pages out without waiting for them (sync_file_range WRITE), so that a later fsync finds little left.
/// </summary>
internal static class PageCache
{
    private const int DontNeed = 4; // POSIX_FADV_DONTNEED on Linux
    private const uint SyncFileRangeWrite = 2; // SYNC_FILE_RANGE_WRITE

    public static void Drop(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return;
        var added = false;
        handle.DangerousAddRef(ref added);
        try { _ = Fadvise((int)handle.DangerousGetHandle(), 0, 0, DontNeed); } // a hint: the read-back still checks the bytes
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }
        finally { if (added) handle.DangerousRelease(); }
    }

    /// <summary>Starts the write-out of the file's dirty pages and returns (it may wait while the device's queue is full).</summary>
    public static void StartWriteback(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return;
        var added = false;
        handle.DangerousAddRef(ref added);
        try { _ = SyncFileRange((int)handle.DangerousGetHandle(), 0, 0, SyncFileRangeWrite); } // a hint: durability still comes from fsync
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }
        finally { if (added) handle.DangerousRelease(); }
    }

    [DllImport("libc", EntryPoint = "sync_file_range")]
    private static extern int SyncFileRange(int fd, long offset, long length, uint flags);

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int Fadvise(int fd, long offset, long length, int advice);
}
