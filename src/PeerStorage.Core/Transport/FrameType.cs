namespace PeerStorage.Core.Transport;

/// <summary>The kinds of frame on a peer connection. The numbers are on the wire: never renumber one.</summary>
internal enum FrameType : byte
{
    /// <summary>First frame each side sends after TLS: protocol version, node id, name, limits, features.</summary>
    Hello = 1,
    /// <summary>Opens a stream: request or bulk stream, method name, then a header or the start of a request body.</summary>
    Open = 2,
    /// <summary>Bytes of a stream, counted against the receiver's window.</summary>
    Data = 3,
    /// <summary>Returns window to the sender of a stream after the reader consumed bytes.</summary>
    WindowUpdate = 4,
    /// <summary>Ends a stream abnormally in both directions, with an error id and message (the error frame).</summary>
    Reset = 5,
    /// <summary>Keepalive and round-trip probe; answered with the Ack flag.</summary>
    Ping = 6,
    /// <summary>Graceful close: no new streams beyond the last one processed.</summary>
    GoAway = 7,
}

[Flags]
internal enum FrameFlags : byte
{
    None = 0,
    /// <summary>On Open or Data: the sender will send nothing more on this stream.</summary>
    EndStream = 0x1,
    /// <summary>On Ping: this is the answer.</summary>
    Ack = 0x2,
}
