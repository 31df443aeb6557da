namespace PeerStorage;

/// <summary>A hidden storage partition (vault): space this node lends to peers, with no filesystem the OS sees.</summary>
public sealed class HiddenStoragePartition
{
    /// <summary>The vault id.</summary>
    public string Id { get; init; } = "";
    /// <summary>The node that lends it.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>The carrier: ContainerFile, Device (a raw block device or existing partition) or GptPartition (a GPT partition this node added).</summary>
    public string Kind { get; init; } = "";
    /// <summary>The container file, the device path, or for a GptPartition the disk and the partition's unique GUID (disk#PARTUUID=guid).</summary>
    public string Location { get; init; } = "";
    /// <summary>Capacity for data, in bytes.</summary>
    public long Size { get; init; }
    /// <summary>Bytes allocated to leases.</summary>
    public long Used { get; init; }
    /// <summary>Bytes still free.</summary>
    public long Free { get; init; }
    /// <summary>Leases peers hold in it that have not ended.</summary>
    public int Leases { get; init; }
    /// <summary>Healthy; InUse when a running node has the vault open (Size is then the recorded one, Used and Free 0); or what the check or the open found.</summary>
    public string Health { get; init; } = "";
    /// <summary>When it was created.</summary>
    public DateTimeOffset Created { get; init; }
    /// <summary>The node home that lends it.</summary>
    public string NodePath { get; init; } = "";
}
