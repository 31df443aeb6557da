using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PeerStorage.Core.Vault;

/// <summary>
/// The exclusive claim on a vault carrier on Linux: an open file description (OFD) write lock over the whole carrier,
/// taken without waiting. It belongs to the open handle, so a second open of the same carrier fails whether it comes
/// from this process or another, and the kernel drops it when the handle closes or the process dies (SIGKILL too).
/// OFD locks are independent of flock, so .NET's shared flock on a plain reader of the raw bytes does not conflict.
/// </summary>
internal static class CarrierLock
{
    private const int F_OFD_SETLK = 37;
    private const short F_WRLCK = 1;
    private const short SEEK_SET = 0;
    private const int EAGAIN = 11, EACCES = 13;

    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length; // 0: to the end, however the carrier grows
        public int Pid;     // must be 0 for OFD locks
    }

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, ref Flock flock);

    /// <summary>How long a conflicting lock is retried before the carrier counts as in use.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(750);

    /// <summary>
    /// True when the lock is held (or the kernel cannot take OFD locks); false when another open holds it for longer
    /// than <see cref="Patience"/>. The retry matters: a process forking a child (any Process.Start in this process)
    /// copies every descriptor into the child until it execs, so a carrier closed a moment ago can still be locked by
    /// a description the child holds for a few milliseconds. flock has the same window.
    /// </summary>
    public static bool TryLock(SafeFileHandle handle)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var pause = 1; ; pause = Math.Min(pause * 2, 50))
        {
            switch (TryLockOnce(handle))
            {
                case true: return true;
                case false when waited.Elapsed >= Patience: return false;
            }
            Thread.Sleep(pause);
        }
    }

    private static bool TryLockOnce(SafeFileHandle handle)
    {
        var flock = new Flock { Type = F_WRLCK, Whence = SEEK_SET, Start = 0, Length = 0, Pid = 0 };
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (Fcntl((int)handle.DangerousGetHandle(), F_OFD_SETLK, ref flock) == 0) return true;
            var errno = Marshal.GetLastPInvokeError();
            if (errno is EAGAIN or EACCES) return false;
            // Anything else (EINVAL: a kernel before 3.15 (no OFD locks) or a carrier that cannot be locked): best effort, as .NET's flock is.
            return true;
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
