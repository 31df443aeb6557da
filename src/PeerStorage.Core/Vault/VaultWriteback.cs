using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PeerStorage.Core.Vault;

/// <summary>
/// Starts writing a range of the carrier back to the device without waiting for it and without a cache flush
/// (Linux <c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>), so a writer's batch travels to the disk while the next
/// batch is produced, and the flush at commit finds little left to do. Only a hint: it changes no ordering and no
/// durability rule (only a flush does), and where it is unavailable it does nothing.
/// </summary>
/// <remarks>
/// It works on the carrier's inode, so it uses a handle of its own: read-only, without the vault's exclusive lock.
/// </remarks>
internal sealed class VaultWriteback : IDisposable
{
    private const uint SyncFileRangeWrite = 2;
    private readonly SafeFileHandle? _handle;

    private VaultWriteback(SafeFileHandle? handle) => _handle = handle;

    public static VaultWriteback For(string carrierPath)
    {
        if (!OperatingSystem.IsLinux()) return new VaultWriteback(null);
        try { return new VaultWriteback(File.OpenHandle(carrierPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new VaultWriteback(null); }
    }

    /// <summary>Asks the kernel to start writing the dirty pages of [offset, offset + length) back.</summary>
    public void Start(long offset, long length)
    {
        if (_handle is null || _handle.IsClosed || length <= 0) return;
        var added = false;
        _handle.DangerousAddRef(ref added);
        try { _ = SyncFileRange((int)_handle.DangerousGetHandle(), offset, length, SyncFileRangeWrite); } // a hint: failures do not matter
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { }
        finally { if (added) _handle.DangerousRelease(); }
    }

    public void Dispose() => _handle?.Dispose();

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(int fd, long offset, long nbytes, uint flags);
}
