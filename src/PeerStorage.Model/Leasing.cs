namespace PeerStorage;

/// <summary>An offer of space in a node's hidden storage, until a time (Publish-Availability).</summary>
public sealed class Availability
{
    /// <summary>The offer's id.</summary>
    public string OfferId { get; init; } = "";
    /// <summary>The node that offers the space.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>That node's name.</summary>
    public string NodeName { get; init; } = "";
    /// <summary>The hidden storage partition the space is in.</summary>
    public string PartitionId { get; init; } = "";
    /// <summary>Bytes offered.</summary>
    public long Size { get; init; }
    /// <summary>Bytes not yet leased.</summary>
    public long Free { get; init; }
    /// <summary>Until when the space is available: no lease outlives it.</summary>
    public DateTimeOffset Until { get; init; }
    /// <summary>Leases claimed against the offer and not ended.</summary>
    public int Leases { get; init; }
    /// <summary>Active, Expired or Withdrawn.</summary>
    public string State { get; init; } = "";
    /// <summary>When it was published.</summary>
    public DateTimeOffset Created { get; init; }
}

/// <summary>Space leased on a peer's hidden storage: held by this node, or hosted here for a peer.</summary>
public sealed class PeerLease
{
    /// <summary>The lease's id.</summary>
    public string LeaseId { get; init; } = "";
    /// <summary>Held (this node writes into a peer) or Hosted (a peer writes into this node).</summary>
    public string Role { get; init; } = "";
    /// <summary>The node that hosts the space.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>The node that holds the lease: the only one that can touch its data.</summary>
    public string HolderNodeId { get; init; } = "";
    /// <summary>The offer it was claimed against.</summary>
    public string OfferId { get; init; } = "";
    /// <summary>Bytes leased.</summary>
    public long Size { get; init; }
    /// <summary>Bytes its objects occupy (as stored: ciphertext).</summary>
    public long Used { get; init; }
    /// <summary>Objects stored in it.</summary>
    public int Objects { get; init; }
    /// <summary>When the host wipes it.</summary>
    public DateTimeOffset Until { get; init; }
    /// <summary>Active, Expiring (within the warning window), Expired (wiped) or Released.</summary>
    public string State { get; init; } = "";
    /// <summary>When it was claimed.</summary>
    public DateTimeOffset Created { get; init; }
}

/// <summary>An object in a lease: stored encrypted by its holder, named only by a keyed hash on the host.</summary>
public sealed class PeerLeaseObject
{
    /// <summary>The lease it is in.</summary>
    public string LeaseId { get; init; } = "";
    /// <summary>The host node.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>The object's name (decrypted by the holder).</summary>
    public string Name { get; init; } = "";
    /// <summary>Its length in bytes, as written.</summary>
    public long Length { get; init; }
    /// <summary>Bytes it takes on the host (ciphertext with its authentication tags).</summary>
    public long StoredLength { get; init; }
    /// <summary>When it was written.</summary>
    public DateTimeOffset Written { get; init; }
    /// <summary>The local file it was written from or read into, when there was one.</summary>
    public string? Path { get; init; }
}
