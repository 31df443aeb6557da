namespace PeerStorage.Core.Multicast.Protocol;

/// <summary>Where a receiver stands in a session.</summary>
internal enum ReceiverState : byte
{
    /// <summary>Asked for the image; the announcer is still downloading it.</summary>
    Waiting = 1,
    /// <summary>Taking the multicast.</summary>
    Receiving = 2,
    /// <summary>Holds every block, verified.</summary>
    Complete = 3,
    /// <summary>Left the multicast and takes the rest from the server.</summary>
    Fallback = 4,
}

/// <summary>
/// A receiver's report, multicast on the control port a few times a second. The first one is its join: the announcer
/// learns that someone asked for the image. Loss is what the receiver saw of the data sequence since its last report;
/// the sender's rate control and slow-receiver policy run on these.
/// </summary>
internal sealed record ReceiverStatus
{
    public required uint SessionId { get; init; }
    public required byte[] ImageHash { get; init; }
    public required byte[] ReceiverId { get; init; }
    public required ReceiverState State { get; init; }
    public required int VerifiedBlocks { get; init; }
    public required int BlockCount { get; init; }
    /// <summary>Data packets lost since the last report, per thousand expected.</summary>
    public required ushort LossPermille { get; init; }
    /// <summary>Data packets expected since the last report (0: none were sent to it).</summary>
    public required uint Expected { get; init; }
    /// <summary>Data bytes it took per second since the last report (its goodput).</summary>
    public required long BytesPerSecond { get; init; }
    /// <summary>
    /// The highest data sequence it has read, less the packets of the blocks still waiting for their check: the
    /// sender's sequence minus this is its backlog (data sent that it has not read, or not yet checked).
    /// </summary>
    public required uint HighestSequence { get; init; }

    public byte[] ToBytes()
    {
        var buffer = new byte[128];
        var w = new WireWriter(buffer);
        w.Header(PacketType.Status);
        w.U32(SessionId);
        w.Bytes(ImageHash);
        w.Bytes(ReceiverId);
        w.U8((byte)State);
        w.I32(VerifiedBlocks);
        w.I32(BlockCount);
        w.U16(LossPermille);
        w.U32(Expected);
        w.I64(BytesPerSecond);
        w.U32(HighestSequence);
        return w.Written.ToArray();
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out ReceiverStatus status)
    {
        status = null!;
        if (!PacketHeader.TryRead(packet, out var type) || type != PacketType.Status) return false;
        var r = new WireReader(packet);
        var session = r.U32();
        var hash = r.Bytes(32);
        var id = r.Bytes(32);
        var state = (ReceiverState)r.U8();
        var verified = r.I32();
        var count = r.I32();
        var loss = r.U16();
        var expected = r.U32();
        var rate = r.I64();
        var highest = r.U32();
        if (!r.Ok || r.Remaining != 0 || !Enum.IsDefined(state) || verified < 0 || count < 0 || verified > count || loss > 1000) return false;
        status = new ReceiverStatus
        {
            SessionId = session, ImageHash = hash, ReceiverId = id, State = state, VerifiedBlocks = verified,
            BlockCount = count, LossPermille = loss, Expected = expected, BytesPerSecond = rate, HighestSequence = highest,
        };
        return true;
    }
}
