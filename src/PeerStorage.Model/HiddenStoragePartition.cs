namespace PeerStorage;

/// <summary>A hidden storage partition (vault): space this node lends to peers, with no filesystem the OS sees.</summary>
public sealed class HiddenStoragePartition
{
    /// <summary>The vault id.</summary>
    public string Id { get; init; } = "";
    /// <summary>The node that lends it.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>ContainerFile, Device or GptPartition.</summary>
    public string Kind { get; init; } = "";
    /// <summary>The container file or device path.</summary>
    public string Location { get; init; } = "";
    /// <summary>Capacity for data, in bytes.</summary>
    public long Size { get; init; }
    /// <summary>Bytes allocated to leases.</summary>
    public long Used { get; init; }
    /// <summary>Bytes still free.</summary>
    public long Free { get; init; }
    /// <summary>Healthy, or what the consistency check found.</summary>
    public string Health { get; init; } = "";
    /// <summary>When it was created.</summary>
    public DateTimeOffset Created { get; init; }
    /// <summary>The node home that lends it.</summary>
    public string NodePath { get; init; } = "";
}
