using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Multicast;

/// <summary>How many bytes a path holds: a file's length, or a block device's capacity (whose stat size is 0).</summary>
public static class StorageLength
{
    /// <summary>The length in bytes; 0 when nothing is there.</summary>
    public static long Of(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return 0;
        return info.Length > 0 ? info.Length : BlockDeviceSize.Of(path) ?? 0;
    }
}
