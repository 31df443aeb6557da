using System.Security.Cryptography;

namespace PeerStorage.Core.Multicast.Protocol;

/// <summary>The sender finished pass <see cref="Pass"/>; receivers answer with NAKs for everything they still lack.</summary>
internal sealed record PassEnd(uint SessionId, ushort Pass, uint LastSequence)
{
    public byte[] ToBytes()
    {
        var buffer = new byte[PacketHeader.Length + 10];
        var w = new WireWriter(buffer);
        w.Header(PacketType.PassEnd);
        w.U32(SessionId);
        w.U16(Pass);
        w.U32(LastSequence);
        return buffer;
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out PassEnd passEnd)
    {
        passEnd = null!;
        if (!PacketHeader.TryRead(packet, out var type) || type != PacketType.PassEnd) return false;
        var r = new WireReader(packet);
        passEnd = new PassEnd(r.U32(), r.U16(), r.U32());
        return r.Ok && r.Remaining == 0;
    }
}

/// <summary>
/// A signed word from the sender to receivers: Evict (one receiver, named by node id, takes the rest from the server)
/// or SessionEnd (everyone: the multicast is over). Signed by the announcer's key, which the receivers already trust
/// from its announcements, so nobody else can push receivers off the multicast.
/// </summary>
internal sealed record SignedNotice(PacketType Type, uint SessionId, byte[] ReceiverId, long TimestampMs)
{
    public byte[] Sign(ECDsa key)
    {
        var buffer = new byte[PacketHeader.Length + 4 + 34 + 8 + 2 + 132];
        var w = new WireWriter(buffer);
        w.Header(Type);
        w.U32(SessionId);
        w.Blob(ReceiverId);
        w.I64(TimestampMs);
        var signature = key.SignData(w.Written, HashAlgorithmName.SHA256);
        w.Blob(signature);
        return w.Written.ToArray();
    }

    /// <summary>Parses and verifies against the announcer's public key; false for anything else.</summary>
    public static bool TryParseSigned(ReadOnlySpan<byte> packet, ECDsa announcerKey, out SignedNotice notice)
    {
        notice = null!;
        if (!PacketHeader.TryRead(packet, out var type) || type is not (PacketType.Evict or PacketType.SessionEnd)) return false;
        var r = new WireReader(packet);
        var session = r.U32();
        var receiver = r.Blob();
        var timestamp = r.I64();
        var signed = r.Consumed.Length;
        var signature = r.Blob();
        if (!r.Ok || r.Remaining != 0) return false;
        try
        {
            if (!announcerKey.VerifyData(packet[..signed], signature, HashAlgorithmName.SHA256)) return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
        notice = new SignedNotice(type, session, receiver, timestamp);
        return true;
    }
}
