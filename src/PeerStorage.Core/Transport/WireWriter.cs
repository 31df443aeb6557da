using System.Buffers.Binary;
using System.Text;

namespace PeerStorage.Core.Transport;

/// <summary>Writes fields of a control payload into a buffer sized by the caller.</summary>
internal ref struct WireWriter(Span<byte> destination)
{
    private readonly Span<byte> _all = destination;
    private int _position;

    public readonly int Written => _position;

    public void WriteByte(byte value) => _all[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_all[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_all[_position..], value);
        _position += 4;
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_all[_position..]);
        _position += value.Length;
    }

    /// <summary>Writes a length-prefixed UTF-8 string; <paramref name="utf8"/> must already fit the prefix.</summary>
    public void WriteString(int lengthBytes, ReadOnlySpan<byte> utf8)
    {
        if (lengthBytes == 1) WriteByte((byte)utf8.Length);
        else WriteUInt16((ushort)utf8.Length);
        WriteBytes(utf8);
    }

    /// <summary>UTF-8 of <paramref name="text"/>, cut at a character boundary to at most <paramref name="maxBytes"/>.</summary>
    public static byte[] Utf8Truncated(string text, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= maxBytes) return bytes;
        var cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) cut--; // never split a multi-byte character
        return bytes[..cut];
    }
}
