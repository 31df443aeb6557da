namespace PeerStorage.Core.Multicast;

/// <summary>Fetching an image from its HTTP(S) server failed; <see cref="PeerStorageException.ErrorId"/> says why.</summary>
public sealed class ImageServerException : PeerStorageException
{
    public ImageServerException(string errorId, PeerErrorKind kind, string message, Exception? inner = null, object? target = null)
        : base(errorId, kind, message, inner, target) { }

    /// <summary>No answer, or only failures, after the retries.</summary>
    public const string Unreachable = "ImageServerUnreachable";
    /// <summary>The server has no such image (or manifest): 404.</summary>
    public const string NotFound = "ImageNotFound";
    /// <summary>The server's file is not the manifest's size.</summary>
    public const string SizeMismatch = "ImageSizeMismatch";
    /// <summary>A block from the server does not match its Merkle leaf: the server holds another image.</summary>
    public const string BlockCorrupt = "ImageBlockCorrupt";
    /// <summary>The server refused the request (a 4xx other than 404, such as 403).</summary>
    public const string Refused = "ImageServerRefused";
    /// <summary>The server answered with other bytes than asked for (a wrong Content-Range).</summary>
    public const string BadResponse = "ImageServerBadResponse";
}
