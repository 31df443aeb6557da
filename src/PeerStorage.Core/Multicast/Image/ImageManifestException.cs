namespace PeerStorage.Core.Multicast;

/// <summary>A manifest that cannot be trusted or read; <see cref="PeerStorageException.ErrorId"/> says why.</summary>
public sealed class ImageManifestException : PeerStorageException
{
    public ImageManifestException(string errorId, string message, Exception? inner = null, object? target = null)
        : base(errorId, PeerErrorKind.InvalidData, message, inner, target) { }

    /// <summary>Not JSON, a field missing or out of range.</summary>
    public const string Invalid = "ManifestInvalid";
    /// <summary>A format version this engine does not read.</summary>
    public const string VersionUnsupported = "ManifestVersionUnsupported";
    /// <summary>The leaf list does not fit the size and block size.</summary>
    public const string LeavesMismatch = "ManifestLeavesMismatch";
    /// <summary>The leaves do not hash to the stated Merkle root.</summary>
    public const string RootMismatch = "ManifestRootMismatch";
    /// <summary>No manifest file at the path.</summary>
    public const string NotFound = "ManifestNotFound";
}
