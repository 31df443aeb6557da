namespace PeerStorage.Core.Multicast.Protocol;

/// <summary>A run of blocks that each still need <see cref="Need"/> symbols (the block's K: all of it).</summary>
internal readonly record struct NakRun(int FirstBlock, ushort Count, ushort Need);

/// <summary>
/// "These blocks still need this many symbols": multicast, so other receivers that need no more for a block stay quiet
/// (suppression), and the sender answers with fresh repair symbols, which fix different losses at different receivers.
/// SeenSequence is the highest data sequence the receiver had seen: a NAK older than the repairs already sent for a
/// block is ignored, as those repairs are still on their way.
/// </summary>
internal sealed record Nak
{
    public const int MaxRuns = 160;

    public required uint SessionId { get; init; }
    public required ulong ReceiverKey { get; init; }
    public required uint SeenSequence { get; init; }
    public required IReadOnlyList<NakRun> Runs { get; init; }

    public byte[] ToBytes()
    {
        if (Runs.Count > MaxRuns) throw new ArgumentException($"A NAK carries at most {MaxRuns} runs.");
        var buffer = new byte[PacketHeader.Length + 20 + Runs.Count * 8];
        var w = new WireWriter(buffer);
        w.Header(PacketType.Nak);
        w.U32(SessionId);
        w.I64((long)ReceiverKey);
        w.U32(SeenSequence);
        w.U16((ushort)Runs.Count);
        foreach (var run in Runs)
        {
            w.I32(run.FirstBlock);
            w.U16(run.Count);
            w.U16(run.Need);
        }
        return w.Written.ToArray();
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out Nak nak)
    {
        nak = null!;
        if (!PacketHeader.TryRead(packet, out var type) || type != PacketType.Nak) return false;
        var r = new WireReader(packet);
        var session = r.U32();
        var key = (ulong)r.I64();
        var seen = r.U32();
        var count = r.U16();
        if (!r.Ok || count > MaxRuns || r.Remaining != count * 8) return false;
        var runs = new NakRun[count];
        for (var i = 0; i < count; i++)
        {
            runs[i] = new NakRun(r.I32(), r.U16(), r.U16());
            if (runs[i].FirstBlock < 0 || runs[i].Count == 0 || runs[i].Need == 0) return false;
        }
        nak = new Nak { SessionId = session, ReceiverKey = key, SeenSequence = seen, Runs = runs };
        return true;
    }
}
