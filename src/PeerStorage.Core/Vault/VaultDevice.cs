using Microsoft.Win32.SafeHandles;

namespace PeerStorage.Core.Vault;

/// <summary>
/// Positioned reads and writes on the carrier (a container file or a block device), and the one durability
/// primitive everything else builds on: <see cref="Flush"/>, which is fsync / FlushFileBuffers.
/// </summary>
internal sealed class VaultDevice : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly FileStream _flusher; // FileStream.Flush(true) is the portable fsync over the same handle

    private VaultDevice(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
        _flusher = new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0);
    }

    public string Path { get; }

    /// <summary>
    /// Test hook: called before each write ("write") and flush ("flush"); a test throws from it to simulate a crash
    /// at that point. Per thread, so tests running in parallel do not see each other's faults.
    /// </summary>
    [ThreadStatic] internal static Action<string>? FaultPoint;

    /// <summary>
    /// Test hook: given a write's length, returns how many of its bytes land before a simulated power cut (then the
    /// write throws), or null to let it through. Models a device that persists a prefix of an interrupted write.
    /// </summary>
    [ThreadStatic] internal static Func<int, int?>? TearWrite;

    public static VaultDevice Open(string path, bool create)
    {
        try
        {
            if (create && !File.Exists(path))
            {
                // A container is the owner's alone, from its first byte.
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                new FileStream(path, options).Dispose();
            }
            // Linux: an OFD write lock (below) makes the open exclusive among vault openers, and FileShare.Read keeps
            // .NET's own flock shared, so a diagnostic reader of the raw bytes is not shut out. Elsewhere on Unix
            // FileShare.None makes .NET take flock(LOCK_EX); on Windows FileShare.Read already denies a second writer.
            var share = OperatingSystem.IsLinux() || OperatingSystem.IsWindows() ? FileShare.Read : FileShare.None;
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, share, FileOptions.None);
            if (OperatingSystem.IsLinux() && !CarrierLock.TryLock(handle))
            {
                handle.Dispose();
                throw InUse(path, null);
            }
            return new VaultDevice(path, handle);
        }
        catch (FileNotFoundException e)
        {
            throw new PeerStorageException("VaultNotFound", PeerErrorKind.NotFound, $"No vault carrier at '{path}'.", e, path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new PeerStorageException("VaultAccessDenied", PeerErrorKind.PermissionDenied, $"Cannot open '{path}' for reading and writing.", e, path);
        }
        catch (IOException e) when (IsSharingViolation(e))
        {
            throw InUse(path, e);
        }
        catch (IOException e)
        {
            throw new PeerStorageException("VaultBusy", PeerErrorKind.ResourceUnavailable, $"Cannot open '{path}': {e.Message}", e, path);
        }
    }

    /// <summary>Another VaultStore (in this process or another: a running node serving it) has the carrier open.</summary>
    internal static PeerStorageException InUse(string path, Exception? inner) =>
        new("VaultInUse", PeerErrorKind.ResourceUnavailable,
            $"The vault carrier '{path}' is in use: another vault instance (a running node serving it?) has it open.", inner, path);

    // EWOULDBLOCK from .NET's flock (Unix) or ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION (Windows).
    private static bool IsSharingViolation(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11 or 35 || e.Message.Contains("being used by another process", StringComparison.Ordinal);

    /// <summary>The carrier's size: a file's length, or a block device's capacity (whose stat size is 0).</summary>
    public long Length
    {
        get
        {
            var length = RandomAccess.GetLength(_handle);
            if (length > 0 || OperatingSystem.IsWindows()) return length;
            return BlockDeviceSize.Of(Path) ?? 0;
        }
    }

    public bool IsRegularFile => File.Exists(Path) && (File.GetAttributes(Path) & FileAttributes.Device) == 0 && BlockDeviceSize.Of(Path) is null;

    public void SetLength(long length) => RandomAccess.SetLength(_handle, length);

    /// <summary>Reads exactly buffer.Length bytes; past the end of a file reads zeros.</summary>
    public void Read(long offset, Span<byte> buffer)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = RandomAccess.Read(_handle, buffer[done..], offset + done);
            if (n == 0) { buffer[done..].Clear(); return; }
            done += n;
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        FaultPoint?.Invoke("write");
        if (TearWrite?.Invoke(data.Length) is int landed)
        {
            RandomAccess.Write(_handle, data[..landed], offset);
            throw new IOException("Simulated power cut in the middle of a write.");
        }
        RandomAccess.Write(_handle, data, offset);
    }

    public void Flush()
    {
        FaultPoint?.Invoke("flush");
        _flusher.Flush(flushToDisk: true);
    }

    /// <summary>Overwrites a range with zeros, in bounded chunks.</summary>
    public void Zero(long offset, long length)
    {
        var zeros = new byte[(int)Math.Min(length, 1024 * 1024)];
        for (long done = 0; done < length;)
        {
            var n = (int)Math.Min(zeros.Length, length - done);
            Write(offset + done, zeros.AsSpan(0, n));
            done += n;
        }
    }

    public void Dispose()
    {
        _flusher.Dispose();
        _handle.Dispose();
    }
}
