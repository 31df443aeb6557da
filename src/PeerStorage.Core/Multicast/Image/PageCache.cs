using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// Drops a file's or device's clean cached pages (posix_fadvise DONTNEED), so that reading back what was just
/// written reads the disk, not the copy the kernel still holds in memory.
/// </summary>
internal static class PageCache
{
    private const int DontNeed = 4; // POSIX_FADV_DONTNEED on Linux

    public static void Drop(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return;
        var added = false;
        handle.DangerousAddRef(ref added);
        try { _ = Fadvise((int)handle.DangerousGetHandle(), 0, 0, DontNeed); } // a hint: the read-back still checks the bytes
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }
        finally { if (added) handle.DangerousRelease(); }
    }

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int Fadvise(int fd, long offset, long length, int advice);
}
