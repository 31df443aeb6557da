using System.Management.Automation;

namespace PeerStorage.PowerShell.Infrastructure;

/// <summary>Engine failures as ErrorRecords: the engine's stable id becomes the FullyQualifiedErrorId, the kind its category.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(PeerStorageException e, object? target = null) =>
        new(e, e.ErrorId, Category(e.Kind), target ?? e.Target);

    public static ErrorRecord From(Exception e, string errorId, ErrorCategory category, object? target) =>
        e is PeerStorageException p ? From(p, target) : new ErrorRecord(e, errorId, category, target);

    public static ErrorCategory Category(PeerErrorKind kind) => kind switch
    {
        PeerErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        PeerErrorKind.AlreadyExists => ErrorCategory.ResourceExists,
        PeerErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        PeerErrorKind.InvalidData => ErrorCategory.InvalidData,
        PeerErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        PeerErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        PeerErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        PeerErrorKind.ConnectionError => ErrorCategory.ConnectionError,
        PeerErrorKind.Stopped => ErrorCategory.OperationStopped,
        _ => ErrorCategory.NotSpecified,
    };
}
