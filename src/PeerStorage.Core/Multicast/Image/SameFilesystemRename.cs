using System.Runtime.InteropServices;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// rename(2) without .NET's fallback: File.Move silently copies across filesystems (without fsync), whereas a
/// replace by rename must either be atomic or tell the caller to copy instead.
/// </summary>
internal static class SameFilesystemRename
{
    private const int CrossDevice = 18; // EXDEV

    /// <summary>Renames over <paramref name="destination"/>; false when the two are on different filesystems (or not on Linux).</summary>
    public static bool TryRename(string source, string destination)
    {
        if (!OperatingSystem.IsLinux()) return false;
        if (Rename(source, destination) == 0) return true;
        var error = Marshal.GetLastPInvokeError();
        if (error == CrossDevice) return false;
        throw new IOException($"Cannot rename '{source}' to '{destination}': {Marshal.GetPInvokeErrorMessage(error)}.", error);
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);
}
