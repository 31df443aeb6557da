namespace PeerStorage.Core.Vault;

/// <summary>
/// Where everything lives on the carrier. Computed once at format time and then stored in the superblock, so a
/// later engine with different sizing rules still opens old vaults exactly as they were laid out.
/// </summary>
/// <remarks>
/// Layout, in order: primary superblock (4 KiB) | journal | metadata slot A | metadata slot B | data extents |
/// backup superblock (the last 4 KiB). A metadata slot = header (4 KiB) | allocation bitmap | region table |
/// block checksum table. Two slots let a checkpoint write the inactive one and then flip to it, so a crash during
/// a checkpoint always leaves one whole slot.
/// </remarks>
internal sealed record VaultGeometry(
    long TotalSize,
    long JournalOffset, long JournalLength,
    long SlotAOffset, long SlotBOffset, long SlotLength,
    long BitmapLength, long RegionTableLength, long ChecksumTableLength,
    long DataOffset, long ExtentCount)
{
    public const int MetadataBlockSize = 4096;
    public const int ExtentSize = 64 * 1024;
    /// <summary>Checksums cover 4 KiB data blocks, so a small write does not rewrite a whole extent.</summary>
    public const int DataBlockSize = 4096;
    public const int BlocksPerExtent = ExtentSize / DataBlockSize;
    public const long MinimumSize = 4 * 1024 * 1024;

    public long BackupSuperblockOffset => TotalSize - MetadataBlockSize;
    public long DataBlockCount => ExtentCount * BlocksPerExtent;
    public long DataCapacity => ExtentCount * ExtentSize;

    public long SlotOffset(int slot) => slot == 0 ? SlotAOffset : SlotBOffset;
    public long BitmapOffset(int slot) => SlotOffset(slot) + MetadataBlockSize;
    public long RegionTableOffset(int slot) => BitmapOffset(slot) + BitmapLength;
    public long ChecksumTableOffset(int slot) => RegionTableOffset(slot) + RegionTableLength;

    public long ExtentOffset(long extent) => DataOffset + extent * ExtentSize;
    public long BlockOffset(long block) => DataOffset + block * DataBlockSize;

    public static VaultGeometry Compute(long size)
    {
        size = RoundDown(size, ExtentSize);
        var journal = Math.Clamp(RoundUp(size / 256, MetadataBlockSize), 256 * 1024, 64 * 1024 * 1024);
        var maxExtents = size / ExtentSize; // an upper bound: metadata takes some of these
        var bitmap = RoundUp((maxExtents + 7) / 8, MetadataBlockSize);
        // Room for the worst case where every extent is its own run (12 bytes) plus the fixed part of each entry.
        var regionTable = RoundUp(64 * 1024 + maxExtents * 12, MetadataBlockSize);
        var checksums = RoundUp(maxExtents * BlocksPerExtent * sizeof(ulong), MetadataBlockSize);
        var slot = MetadataBlockSize + bitmap + regionTable + checksums;
        var slotA = MetadataBlockSize + journal;
        var slotB = slotA + slot;
        var data = RoundUp(slotB + slot, ExtentSize);
        var dataEnd = RoundDown(size - MetadataBlockSize, ExtentSize);
        var extents = Math.Max(0, (dataEnd - data) / ExtentSize);
        return new VaultGeometry(size, MetadataBlockSize, journal, slotA, slotB, slot, bitmap, regionTable, checksums, data, extents);
    }

    public static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;
    public static long RoundDown(long value, long unit) => value / unit * unit;
}
