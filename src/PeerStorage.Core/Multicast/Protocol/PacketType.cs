namespace PeerStorage.Core.Multicast.Protocol;

/// <summary>
/// The kinds of datagram in an imaging session. Data travels alone on the data port (all data packets of a session
/// have one size, so a receiver can split coalesced datagrams by that stride); everything else uses the control port.
/// </summary>
internal enum PacketType : byte
{
    /// <summary>An announcer says it is downloading or sending an image (signed).</summary>
    Announce = 1,
    /// <summary>A receiver says it wants the image and how far it is; the first one is its join.</summary>
    Status = 2,
    /// <summary>A receiver lists blocks it still lacks and how many symbols each needs.</summary>
    Nak = 3,
    /// <summary>One source or repair symbol of one block.</summary>
    Data = 4,
    /// <summary>The sender finished a pass and asks for the receivers' NAKs.</summary>
    PassEnd = 5,
    /// <summary>The sender tells one receiver to take the rest from the server (signed).</summary>
    Evict = 6,
    /// <summary>The sender ends the session (signed).</summary>
    SessionEnd = 7,
}

/// <summary>The four bytes every datagram starts with: magic, version and type.</summary>
internal static class PacketHeader
{
    public const int Length = 4;
    public const byte Magic0 = (byte)'P', Magic1 = (byte)'I'; // "PeerStorage Imaging"
    public const byte Version = 1;

    public static void Write(Span<byte> destination, PacketType type)
    {
        destination[0] = Magic0;
        destination[1] = Magic1;
        destination[2] = Version;
        destination[3] = (byte)type;
    }

    /// <summary>The packet's type, or false for anything that is not ours or of another version.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, out PacketType type)
    {
        type = default;
        if (packet.Length < Length || packet[0] != Magic0 || packet[1] != Magic1 || packet[2] != Version) return false;
        type = (PacketType)packet[3];
        return Enum.IsDefined(type);
    }
}
