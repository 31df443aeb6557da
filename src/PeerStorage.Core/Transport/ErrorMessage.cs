using System.Text;

namespace PeerStorage.Core.Transport;

/// <summary>
/// An error as it travels in a Reset (the error frame) or a GoAway: u8 error kind, u8-prefixed error id (printable
/// ASCII), u16-prefixed UTF-8 message. Scripts match on the id, so it crosses the wire unchanged.
/// </summary>
internal sealed record ErrorMessage(PeerErrorKind Kind, string ErrorId, string Message)
{
    public const uint MinLength = 1 + 1 + 1 + 2;
    public const int MaxErrorIdLength = 128;
    public const int MaxMessageBytes = 2048;

    public int EncodedLength => 4 + SafeId.Length + Utf8Message.Length;

    private string SafeId => ErrorId.Length > 0 && ErrorId.Length <= MaxErrorIdLength && ErrorId.All(c => c is > ' ' and < (char)0x7F) ? ErrorId : "PeerError";
    private byte[] Utf8Message => WireWriter.Utf8Truncated(Message, MaxMessageBytes);

    public void Write(ref WireWriter w)
    {
        w.WriteByte((byte)Kind);
        w.WriteString(1, Encoding.ASCII.GetBytes(SafeId));
        w.WriteString(2, Utf8Message);
    }

    public byte[] Encode()
    {
        var buffer = new byte[EncodedLength];
        var w = new WireWriter(buffer);
        Write(ref w);
        return buffer;
    }

    public static bool TryRead(ref WireReader r, out ErrorMessage error)
    {
        error = null!;
        if (!r.TryReadByte(out var kind) || !r.TryReadString(1, MaxErrorIdLength, out var id) || id.Length == 0
            || !id.All(c => c is > ' ' and < (char)0x7F) || !r.TryReadString(2, MaxMessageBytes, out var message))
            return false;
        // An unknown kind from a newer peer is still an error: keep its id, lose only the category.
        var known = Enum.IsDefined(typeof(PeerErrorKind), (int)kind) ? (PeerErrorKind)kind : PeerErrorKind.Unspecified;
        error = new ErrorMessage(known, id, message);
        return true;
    }

    public static bool TryDecode(ReadOnlySpan<byte> payload, out ErrorMessage error)
    {
        var r = new WireReader(payload);
        return TryRead(ref r, out error) && r.Remaining == 0;
    }
}
