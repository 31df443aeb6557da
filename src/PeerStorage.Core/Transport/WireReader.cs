using System.Buffers.Binary;
using System.Text;

namespace PeerStorage.Core.Transport;

/// <summary>
/// Reads fields from a received payload. Every read checks the remaining length first, so a lying length field can
/// never read past the payload or size a buffer; strings must be valid UTF-8.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private ReadOnlySpan<byte> _rest = data;

    public readonly int Remaining => _rest.Length;

    public bool TryReadByte(out byte value)
    {
        value = 0;
        if (_rest.Length < 1) return false;
        value = _rest[0];
        _rest = _rest[1..];
        return true;
    }

    public bool TryReadUInt16(out ushort value)
    {
        value = 0;
        if (_rest.Length < 2) return false;
        value = BinaryPrimitives.ReadUInt16BigEndian(_rest);
        _rest = _rest[2..];
        return true;
    }

    public bool TryReadUInt32(out uint value)
    {
        value = 0;
        if (_rest.Length < 4) return false;
        value = BinaryPrimitives.ReadUInt32BigEndian(_rest);
        _rest = _rest[4..];
        return true;
    }

    public bool TryReadBytes(int count, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (count < 0 || _rest.Length < count) return false;
        value = _rest[..count];
        _rest = _rest[count..];
        return true;
    }

    /// <summary>A string preceded by its byte length in one byte (lengthBytes 1) or two (lengthBytes 2).</summary>
    public bool TryReadString(int lengthBytes, int maxBytes, out string value)
    {
        value = "";
        int length;
        if (lengthBytes == 1)
        {
            if (!TryReadByte(out var b)) return false;
            length = b;
        }
        else
        {
            if (!TryReadUInt16(out var s)) return false;
            length = s;
        }
        if (length > maxBytes || !TryReadBytes(length, out var bytes)) return false;
        try
        {
            value = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    public ReadOnlySpan<byte> ReadRest()
    {
        var rest = _rest;
        _rest = default;
        return rest;
    }
}
