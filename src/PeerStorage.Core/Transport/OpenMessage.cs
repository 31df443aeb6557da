using System.Text;

namespace PeerStorage.Core.Transport;

/// <summary>What a stream is for: a request answered by one response, or a bulk stream in either direction.</summary>
internal enum StreamKind : byte
{
    Request = 0,
    Bulk = 1,
}

/// <summary>
/// The Open payload: u8 kind, u8-prefixed method name (printable ASCII), then the initial bytes. For a request those
/// are the start of the body and count against the stream window; for a bulk stream they are its header.
/// </summary>
internal static class OpenMessage
{
    public const uint MinLength = 2 + 1;
    public const int MaxMethodLength = 128;

    /// <summary>Bytes an Open frame spends before its initial bytes, for a method name of this length.</summary>
    public static int Overhead(string method) => 2 + method.Length;

    public static bool IsValidMethod(string method) =>
        method.Length is > 0 and <= MaxMethodLength && method.All(c => c is > ' ' and < (char)0x7F);

    public static byte[] Encode(StreamKind kind, string method, ReadOnlySpan<byte> initial)
    {
        var buffer = new byte[Overhead(method) + initial.Length];
        var w = new WireWriter(buffer);
        w.WriteByte((byte)kind);
        w.WriteString(1, Encoding.ASCII.GetBytes(method));
        w.WriteBytes(initial);
        return buffer;
    }

    public static bool TryDecode(ReadOnlySpan<byte> payload, out StreamKind kind, out string method, out ReadOnlySpan<byte> initial, out string violation)
    {
        kind = default;
        method = "";
        initial = default;
        violation = "";
        var r = new WireReader(payload);
        if (!r.TryReadByte(out var k) || k > (byte)StreamKind.Bulk)
        {
            violation = "an open frame names an unknown stream kind";
            return false;
        }
        if (!r.TryReadString(1, MaxMethodLength, out method) || !IsValidMethod(method))
        {
            violation = "an open frame carries a malformed method name";
            return false;
        }
        kind = (StreamKind)k;
        initial = r.ReadRest();
        return true;
    }
}
