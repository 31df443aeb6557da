using System.Buffers.Binary;

namespace PeerStorage.Core.Multicast.Protocol;

/// <summary>
/// One symbol of one block: header, then exactly SymbolSize bytes (a short last block is zero-padded, so every data
/// packet of a session has the same length). Symbols 0..K-1 are the block's source bytes in order; K and above are
/// repair symbols of the block's erasure code.
/// </summary>
internal readonly struct DataPacket
{
    public const int HeaderLength = PacketHeader.Length + 20;

    public uint SessionId { get; init; }
    /// <summary>Counts every data packet the session sent: gaps are losses.</summary>
    public uint Sequence { get; init; }
    /// <summary>Counts the sender's windows: a receiver NAKs a window's incomplete blocks when the next one starts.</summary>
    public uint Window { get; init; }
    public int Block { get; init; }
    public ushort Symbol { get; init; }
    public ushort Pass { get; init; }

    public static int LengthFor(int symbolSize) => HeaderLength + symbolSize;

    /// <summary>Writes the header in front of the symbol (the caller fills the symbol's bytes after it).</summary>
    public void WriteHeader(Span<byte> destination)
    {
        PacketHeader.Write(destination, PacketType.Data);
        var d = destination[PacketHeader.Length..];
        BinaryPrimitives.WriteUInt32LittleEndian(d, SessionId);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], Window);
        BinaryPrimitives.WriteInt32LittleEndian(d[12..], Block);
        BinaryPrimitives.WriteUInt16LittleEndian(d[16..], Symbol);
        BinaryPrimitives.WriteUInt16LittleEndian(d[18..], Pass);
    }

    /// <summary>Reads a data packet whose length is exactly header plus <paramref name="symbolSize"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> packet, int symbolSize, out DataPacket data)
    {
        data = default;
        if (packet.Length != HeaderLength + symbolSize || !PacketHeader.TryRead(packet, out var type) || type != PacketType.Data) return false;
        var d = packet[PacketHeader.Length..];
        data = new DataPacket
        {
            SessionId = BinaryPrimitives.ReadUInt32LittleEndian(d),
            Sequence = BinaryPrimitives.ReadUInt32LittleEndian(d[4..]),
            Window = BinaryPrimitives.ReadUInt32LittleEndian(d[8..]),
            Block = BinaryPrimitives.ReadInt32LittleEndian(d[12..]),
            Symbol = BinaryPrimitives.ReadUInt16LittleEndian(d[16..]),
            Pass = BinaryPrimitives.ReadUInt16LittleEndian(d[18..]),
        };
        return data.Block >= 0;
    }
}
