namespace PeerStorage.Core.Multicast;

/// <summary>The target drive or file cannot take the image; <see cref="PeerStorageException.ErrorId"/> says why.</summary>
public sealed class ImageTargetException : PeerStorageException
{
    public ImageTargetException(string errorId, PeerErrorKind kind, string message, Exception? inner = null, object? target = null)
        : base(errorId, kind, message, inner, target) { }

    /// <summary>The device is smaller than the manifest's minimum capacity.</summary>
    public const string TooSmall = "TargetTooSmall";
    /// <summary>The device's logical sector size is not the one the image was made for.</summary>
    public const string SectorSizeMismatch = "TargetSectorSizeMismatch";
    /// <summary>The device (or one of its partitions) is mounted, swap, or held by another driver.</summary>
    public const string Mounted = "TargetMounted";
    /// <summary>The staging does not hold every verified block yet.</summary>
    public const string StagingIncomplete = "TargetStagingIncomplete";
    /// <summary>What was read back from the target does not hash to the image.</summary>
    public const string VerifyFailed = "TargetVerifyFailed";
}
