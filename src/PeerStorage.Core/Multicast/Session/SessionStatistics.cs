namespace PeerStorage.Core.Multicast.Session;

/// <summary>Live counters of one role in a session, read by status reports while it runs.</summary>
public sealed class SessionStatistics
{
    private long _fromServer, _fromMulticast, _sent, _repairs, _rejectedBlocks, _foreignPackets, _passes;

    public long BytesFromServer => Interlocked.Read(ref _fromServer);
    public long BytesFromMulticast => Interlocked.Read(ref _fromMulticast);
    public long BytesSent => Interlocked.Read(ref _sent);
    public long RepairSymbolsSent => Interlocked.Read(ref _repairs);
    /// <summary>Blocks that arrived complete but did not match their Merkle leaf (forged or damaged) and were dropped.</summary>
    public long RejectedBlocks => Interlocked.Read(ref _rejectedBlocks);
    /// <summary>Data packets from a host that is not the session's announcer, dropped unread.</summary>
    public long ForeignPackets => Interlocked.Read(ref _foreignPackets);
    public long Passes => Interlocked.Read(ref _passes);
    public double BytesPerSecond { get; internal set; }
    public int Receivers { get; internal set; }
    public int ReceiversComplete { get; internal set; }
    public int ReceiversEvicted { get; internal set; }

    internal void AddFromServer(long n) => Interlocked.Add(ref _fromServer, n);
    internal void AddFromMulticast(long n) => Interlocked.Add(ref _fromMulticast, n);
    internal void SetSent(long bytes, long repairs)
    {
        Interlocked.Exchange(ref _sent, bytes);
        Interlocked.Exchange(ref _repairs, repairs);
    }
    internal void AddRejectedBlock() => Interlocked.Increment(ref _rejectedBlocks);
    internal void AddForeignPackets(long n) => Interlocked.Add(ref _foreignPackets, n);
    internal void AddPass() => Interlocked.Increment(ref _passes);
}
