using PeerStorage.Core.Node;

namespace PeerStorage.Core.Transport;

/// <summary>The transport's error ids (stable: scripts match on them) and the exceptions that carry them.</summary>
public static class TransportErrors
{
    public const string PeerNotTrusted = "PeerNotTrusted";
    public const string PeerRefusedSession = "PeerRefusedSession";
    public const string PeerIdentityMismatch = "PeerIdentityMismatch";
    public const string PeerProtocolMismatch = "PeerProtocolMismatch";
    public const string PeerProtocolError = "PeerProtocolError";
    public const string PeerHandshakeFailed = "PeerHandshakeFailed";
    public const string PeerConnectFailed = "PeerConnectFailed";
    public const string PeerConnectionLost = "PeerConnectionLost";
    public const string PeerConnectionClosing = "PeerConnectionClosing";
    public const string PeerRequestTimedOut = "PeerRequestTimedOut";
    public const string PeerStreamCancelled = "PeerStreamCancelled";
    public const string PeerStreamClosed = "PeerStreamClosed";
    public const string PeerMethodNotFound = "PeerMethodNotFound";
    public const string PeerMethodKindMismatch = "PeerMethodKindMismatch";
    public const string PeerHandlerFailed = "PeerHandlerFailed";
    public const string PeerMessageTooLarge = "PeerMessageTooLarge";
    public const string PeerTooManyStreams = "PeerTooManyStreams";

    internal static PeerStorageException NotTrusted(string target, string reason) =>
        new(PeerNotTrusted, PeerErrorKind.PermissionDenied, $"The peer at {target} is not trusted: {reason}", target: target);

    internal static PeerStorageException RefusedSession(string target, NodeId self, Exception inner) =>
        new(PeerRefusedSession, PeerErrorKind.PermissionDenied,
            $"The peer at {target} closed the connection during the handshake: it probably does not trust this node ({self}). " +
            "Its admin can trust this node by id or through a shared fleet.", inner, target);

    internal static PeerStorageException IdentityMismatch(string target, NodeId expected, NodeId actual) =>
        new(PeerIdentityMismatch, PeerErrorKind.PermissionDenied,
            $"The node at {target} is {actual}, not the expected {expected}; the connection was refused.", target: target);

    internal static PeerStorageException ProtocolMismatch(string target, int localMajor, int remoteMajor) =>
        new(PeerProtocolMismatch, PeerErrorKind.ConnectionError,
            $"The peer at {target} speaks protocol version {remoteMajor}, this node speaks {localMajor}; upgrade the older node.", target: target);

    internal static PeerStorageException ProtocolError(string target, string reason) =>
        new(PeerProtocolError, PeerErrorKind.ConnectionError, $"The connection with {target} broke the peer protocol: {reason}", target: target);

    internal static PeerStorageException HandshakeFailed(string target, string reason, Exception? inner = null) =>
        new(PeerHandshakeFailed, PeerErrorKind.ConnectionError, $"The secure handshake with {target} failed: {reason}", inner, target);

    internal static PeerStorageException ConnectFailed(string target, Exception inner) =>
        new(PeerConnectFailed, PeerErrorKind.ConnectionError, $"Cannot connect to {target}: {inner.Message}", inner, target);

    internal static PeerStorageException ConnectionLost(string target, string reason) =>
        new(PeerConnectionLost, PeerErrorKind.ConnectionError, $"The connection with {target} was lost: {reason}", target: target);

    internal static PeerStorageException ConnectionClosing(string target) =>
        new(PeerConnectionClosing, PeerErrorKind.ConnectionError, $"The connection with {target} is closing; open a new one.", target: target);

    internal static PeerStorageException RequestTimedOut(string target, string method, TimeSpan after) =>
        new(PeerRequestTimedOut, PeerErrorKind.ConnectionError, $"'{method}' on {target} got no answer within {after.TotalSeconds:0.###} s.", target: target);

    internal static PeerStorageException StreamCancelled(string target, string method) =>
        new(PeerStreamCancelled, PeerErrorKind.Stopped, $"The '{method}' stream with {target} was cancelled.", target: target);

    internal static PeerStorageException MessageTooLarge(string target, string method, int limit) =>
        new(PeerMessageTooLarge, PeerErrorKind.InvalidArgument, $"A '{method}' message with {target} exceeds {limit} bytes; send bulk data through a stream.", target: target);
}
