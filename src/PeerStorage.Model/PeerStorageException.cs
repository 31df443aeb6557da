namespace PeerStorage;

/// <summary>What kind of failure an engine error is; the cmdlet layer maps it to an ErrorCategory.</summary>
public enum PeerErrorKind
{
    /// <summary>Something else went wrong.</summary>
    Unspecified,
    /// <summary>A thing named does not exist (a node home, a job).</summary>
    NotFound,
    /// <summary>It exists already.</summary>
    AlreadyExists,
    /// <summary>An argument is out of range or malformed.</summary>
    InvalidArgument,
    /// <summary>The data on disk is damaged or foreign.</summary>
    InvalidData,
    /// <summary>The operation does not fit the current state (for example the node already runs).</summary>
    InvalidOperation,
    /// <summary>Permission denied.</summary>
    PermissionDenied,
    /// <summary>A resource is busy or unavailable (a port in use).</summary>
    ResourceUnavailable,
    /// <summary>A network peer could not be reached or misbehaved.</summary>
    ConnectionError,
    /// <summary>The operation was stopped.</summary>
    Stopped,
}

/// <summary>An engine failure with a stable error id that scripts can match on.</summary>
public class PeerStorageException : Exception
{
    /// <summary>Creates an engine failure.</summary>
    public PeerStorageException(string errorId, PeerErrorKind kind, string message, Exception? inner = null, object? target = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>The stable id (becomes the FullyQualifiedErrorId's first part).</summary>
    public string ErrorId { get; }
    /// <summary>The kind of failure.</summary>
    public PeerErrorKind Kind { get; }
    /// <summary>What the failure is about (a path, a node id).</summary>
    public object? Target { get; }
}
