namespace PeerStorage.Core.Transport;

/// <summary>The GoAway payload: u32 id of the last stream the sender opened by the peer that it will still serve, then why.</summary>
internal sealed record GoAwayMessage(uint LastStreamId, ErrorMessage Error)
{
    public byte[] Encode()
    {
        var buffer = new byte[4 + Error.EncodedLength];
        var w = new WireWriter(buffer);
        w.WriteUInt32(LastStreamId);
        Error.Write(ref w);
        return buffer;
    }

    public static bool TryDecode(ReadOnlySpan<byte> payload, out GoAwayMessage goAway)
    {
        goAway = null!;
        var r = new WireReader(payload);
        if (!r.TryReadUInt32(out var last) || last > FrameHeader.MaxStreamId || !ErrorMessage.TryRead(ref r, out var error) || r.Remaining != 0)
            return false;
        goAway = new GoAwayMessage(last, error);
        return true;
    }
}
