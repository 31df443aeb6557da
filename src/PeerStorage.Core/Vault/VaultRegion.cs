namespace PeerStorage.Core.Vault;

/// <summary>
/// Space handed to one owner (a lease): <see cref="Length"/> bytes addressed from 0, backed by whole extents.
/// It is a handle: pass it back to the <see cref="VaultStore"/> that made it.
/// </summary>
public sealed class VaultRegion
{
    internal VaultRegion(Guid id, string ownerId, long length, IReadOnlyList<Run> extents)
    {
        Id = id;
        OwnerId = ownerId;
        Length = length;
        Extents = extents;
    }

    public Guid Id { get; }
    public string OwnerId { get; }
    /// <summary>The bytes asked for; reads and writes stay inside [0, Length).</summary>
    public long Length { get; }
    /// <summary>The bytes it occupies in the vault (whole extents).</summary>
    public long AllocatedBytes => ExtentCount * VaultGeometry.ExtentSize;

    internal IReadOnlyList<Run> Extents { get; }
    internal long ExtentCount => Extents.Sum(r => (long)r.Count);

    /// <summary>The physical data block that holds the region's logical block <paramref name="logicalBlock"/>.</summary>
    internal long PhysicalBlock(long logicalBlock)
    {
        var extentIndex = logicalBlock / VaultGeometry.BlocksPerExtent;
        foreach (var run in Extents)
        {
            if (extentIndex < run.Count)
                return (run.Start + extentIndex) * VaultGeometry.BlocksPerExtent + logicalBlock % VaultGeometry.BlocksPerExtent;
            extentIndex -= run.Count;
        }
        throw new ArgumentOutOfRangeException(nameof(logicalBlock));
    }

    public override string ToString() => $"{Id} ({OwnerId}, {Length} bytes)";
}
