namespace PeerStorage;

/// <summary>What identifies a disk image: its hash, size, the drive it needs, and the Merkle root of its blocks.</summary>
public sealed class DiskImageManifest
{
    /// <summary>SHA-256 of the whole image (what sha256sum prints).</summary>
    public string Hash { get; init; } = "";
    /// <summary>Bytes.</summary>
    public long Size { get; init; }
    /// <summary>The logical sector size a target drive must have.</summary>
    public int SectorSize { get; init; }
    /// <summary>The least capacity a target drive must have.</summary>
    public long MinimumCapacity { get; init; }
    /// <summary>Root of the Merkle tree over the image's blocks: every block is checked against it on arrival.</summary>
    public string MerkleRoot { get; init; } = "";
    /// <summary>Bytes per block (one Merkle leaf each).</summary>
    public int BlockSize { get; init; }
    /// <summary>Blocks in the image.</summary>
    public int BlockCount { get; init; }
    /// <summary>The manifest file.</summary>
    public string? Path { get; init; }
}

/// <summary>One machine's transfer of an image (Receive-DiskImageMulticast): live while it runs, final when it ends.</summary>
public sealed class DiskImageTransfer
{
    /// <summary>The image's SHA-256.</summary>
    public string Hash { get; init; } = "";
    /// <summary>The drive or file the image is written over.</summary>
    public string Target { get; init; } = "";
    /// <summary>Listening, Receiver (from an announcer's multicast), Announcer (downloaded it and multicast it to others) or Server (took it from the server alone).</summary>
    public string Role { get; init; } = "";
    /// <summary>Listening, Waiting, Receiving, Downloading, Sending, Verifying, Writing, Completed, Failed or Stopped.</summary>
    public string State { get; init; } = "";
    /// <summary>Image bytes.</summary>
    public long Size { get; init; }
    /// <summary>Verified bytes held so far.</summary>
    public long BytesVerified { get; init; }
    /// <summary>Share of the image held, 0 to 100.</summary>
    public double PercentComplete { get; init; }
    /// <summary>Bytes that came from the server.</summary>
    public long BytesFromServer { get; init; }
    /// <summary>Bytes that came by multicast.</summary>
    public long BytesFromMulticast { get; init; }
    /// <summary>The announcer this machine received from (node id), when it did.</summary>
    public string? Announcer { get; init; }
    /// <summary>Blocks that arrived but failed their Merkle check (forged or damaged) and were asked for again.</summary>
    public long RejectedBlocks { get; init; }
    /// <summary>Data packets from hosts other than the announcer, dropped.</summary>
    public long ForeignPackets { get; init; }
    /// <summary>When it started.</summary>
    public DateTimeOffset Started { get; init; }
    /// <summary>How long it has run (or ran).</summary>
    public TimeSpan Duration { get; init; }
    /// <summary>Image MiB per second of the whole transfer so far.</summary>
    public double MiBPerSecond { get; init; }
    /// <summary>Why it failed, when it did.</summary>
    public string? Error { get; init; }
    /// <summary>The process running it.</summary>
    public int ProcessId { get; init; }
}

/// <summary>A multicast session this machine sends (Send-DiskImageMulticast, or a receiver that became the announcer).</summary>
public sealed class DiskImageSession
{
    /// <summary>The image's SHA-256.</summary>
    public string Hash { get; init; } = "";
    /// <summary>The session id receivers see in its packets.</summary>
    public string SessionId { get; init; } = "";
    /// <summary>Multicast group.</summary>
    public string Group { get; init; } = "";
    /// <summary>Control port (data uses the next).</summary>
    public int Port { get; init; }
    /// <summary>Announcing, Sending, Completed, Failed or Stopped.</summary>
    public string State { get; init; } = "";
    /// <summary>Receivers that asked.</summary>
    public int Receivers { get; init; }
    /// <summary>Receivers that hold the whole image.</summary>
    public int ReceiversComplete { get; init; }
    /// <summary>Receivers sent to the server because they could not keep up.</summary>
    public int ReceiversEvicted { get; init; }
    /// <summary>Bytes multicast (packets with headers).</summary>
    public long BytesSent { get; init; }
    /// <summary>Repair symbols sent.</summary>
    public long RepairSymbolsSent { get; init; }
    /// <summary>Passes (rounds of NAKs) so far.</summary>
    public long Passes { get; init; }
    /// <summary>The current sending rate in MiB per second.</summary>
    public double MiBPerSecond { get; init; }
    /// <summary>Each receiver: node id, address, state, progress and loss.</summary>
    public IReadOnlyList<DiskImageReceiver> ReceiverDetails { get; init; } = [];
    /// <summary>When it started.</summary>
    public DateTimeOffset Started { get; init; }
    /// <summary>How long it has run (or ran).</summary>
    public TimeSpan Duration { get; init; }
    /// <summary>Why it failed, when it did.</summary>
    public string? Error { get; init; }
    /// <summary>The process running it.</summary>
    public int ProcessId { get; init; }
}

/// <summary>One receiver of a multicast session, as the sender sees it.</summary>
public sealed class DiskImageReceiver
{
    /// <summary>The receiver's node id.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>Its address.</summary>
    public string Address { get; init; } = "";
    /// <summary>Waiting, Receiving, Complete or Fallback (evicted or left for the server).</summary>
    public string State { get; init; } = "";
    /// <summary>Share of the image it holds, 0 to 100.</summary>
    public double PercentComplete { get; init; }
    /// <summary>Share of packets it lost lately, 0 to 1.</summary>
    public double Loss { get; init; }
}
