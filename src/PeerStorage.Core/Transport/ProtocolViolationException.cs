namespace PeerStorage.Core.Transport;

/// <summary>
/// The peer broke the framing protocol (malformed, oversized or truncated frame, unknown type or stream, window
/// overflow). It closes that one connection; the message is the reason written to the log.
/// </summary>
internal sealed class ProtocolViolationException(string reason) : Exception(reason);
