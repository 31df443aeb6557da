using System.Buffers.Binary;

namespace PeerStorage.Core.Multicast.Protocol;

/// <summary>Writes little-endian fields one after another into a datagram buffer.</summary>
internal ref struct WireWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    public int Position { get; private set; }

    public readonly Span<byte> Written => _buffer[..Position];

    public void Header(PacketType type) { PacketHeader.Write(_buffer[Position..], type); Position += PacketHeader.Length; }
    public void U8(byte value) => _buffer[Position++] = value;
    public void U16(ushort value) { BinaryPrimitives.WriteUInt16LittleEndian(_buffer[Position..], value); Position += 2; }
    public void U32(uint value) { BinaryPrimitives.WriteUInt32LittleEndian(_buffer[Position..], value); Position += 4; }
    public void I32(int value) { BinaryPrimitives.WriteInt32LittleEndian(_buffer[Position..], value); Position += 4; }
    public void I64(long value) { BinaryPrimitives.WriteInt64LittleEndian(_buffer[Position..], value); Position += 8; }
    public void Bytes(ReadOnlySpan<byte> value) { value.CopyTo(_buffer[Position..]); Position += value.Length; }

    /// <summary>A length-prefixed (u16) byte string.</summary>
    public void Blob(ReadOnlySpan<byte> value) { U16(checked((ushort)value.Length)); Bytes(value); }
}

/// <summary>Reads little-endian fields; any read past the end makes <see cref="Ok"/> false instead of throwing.</summary>
internal ref struct WireReader(ReadOnlySpan<byte> packet)
{
    private readonly ReadOnlySpan<byte> _packet = packet;
    public int Position { get; private set; } = PacketHeader.Length;
    public bool Ok { get; private set; } = true;

    public readonly int Remaining => _packet.Length - Position;
    public readonly ReadOnlySpan<byte> Consumed => _packet[..Position];

    private ReadOnlySpan<byte> Take(int count)
    {
        if (!Ok || count < 0 || Remaining < count) { Ok = false; return default; }
        var span = _packet.Slice(Position, count);
        Position += count;
        return span;
    }

    public byte U8() { var s = Take(1); return Ok ? s[0] : (byte)0; }
    public ushort U16() { var s = Take(2); return Ok ? BinaryPrimitives.ReadUInt16LittleEndian(s) : (ushort)0; }
    public uint U32() { var s = Take(4); return Ok ? BinaryPrimitives.ReadUInt32LittleEndian(s) : 0; }
    public int I32() { var s = Take(4); return Ok ? BinaryPrimitives.ReadInt32LittleEndian(s) : 0; }
    public long I64() { var s = Take(8); return Ok ? BinaryPrimitives.ReadInt64LittleEndian(s) : 0; }
    public byte[] Bytes(int count) { var s = Take(count); return Ok ? s.ToArray() : []; }
    public byte[] Blob() { var n = U16(); return Ok ? Bytes(n) : []; }
}
