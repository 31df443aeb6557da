using System.Buffers.Binary;
using System.IO.Hashing;

namespace PeerStorage.Core.Vault;

/// <summary>
/// Reads and writes one of the two checkpoint slots. Header: magic | generation | region table bytes used |
/// XxHash64 of bitmap + region table | XxHash64 of the header. The checksum table is not hashed as a whole (it can
/// be large); each of its entries checks a data block, so damage there shows up as a failed block read.
/// </summary>
internal static class MetadataSlot
{
    private static ReadOnlySpan<byte> Magic => "PSVSLOT\0"u8;
    private const int ChunkSize = 1024 * 1024;

    public static void Write(VaultDevice device, VaultGeometry g, int slot, ulong generation,
        AllocationMap map, RegionTable regions, BlockChecksums checksums, bool wholeChecksumTable)
    {
        var table = regions.Encode();
        if (table.Length > g.RegionTableLength) throw new InvalidOperationException("The region table outgrew its area.");
        var bitmap = new byte[g.BitmapLength];
        map.Bytes.CopyTo(bitmap);
        device.Write(g.BitmapOffset(slot), bitmap);
        device.Write(g.RegionTableOffset(slot), table);

        var checksumBase = g.ChecksumTableOffset(slot);
        if (wholeChecksumTable)
        {
            var chunk = new byte[ChunkSize];
            for (long done = 0; done < g.ChecksumTableLength; done += ChunkSize)
            {
                var n = (int)Math.Min(ChunkSize, g.ChecksumTableLength - done);
                checksums.Encode(done / sizeof(ulong), chunk.AsSpan(0, n));
                device.Write(checksumBase + done, chunk.AsSpan(0, n));
            }
            checksums.MarkClean(slot);
        }
        else foreach (var (offset, bytes) in checksums.TakeDirtyPages(slot)) device.Write(checksumBase + offset, bytes);

        var header = new byte[VaultGeometry.MetadataBlockSize];
        var h = header.AsSpan();
        Magic.CopyTo(h);
        BinaryPrimitives.WriteUInt64LittleEndian(h[8..], generation);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], table.Length);
        var content = new XxHash64();
        content.Append(bitmap);
        content.Append(table);
        BinaryPrimitives.WriteUInt64LittleEndian(h[24..], content.GetCurrentHashAsUInt64());
        BinaryPrimitives.WriteUInt64LittleEndian(h[32..], XxHash64.HashToUInt64(h[..32]));
        device.Write(g.SlotOffset(slot), header);
    }

    /// <summary>Loads a slot written at <paramref name="generation"/>; null (with a reason) when it is damaged.</summary>
    public static (AllocationMap Map, RegionTable Regions, BlockChecksums Checksums)? Read(
        VaultDevice device, VaultGeometry g, int slot, ulong generation, out string? problem)
    {
        problem = null;
        var header = new byte[VaultGeometry.MetadataBlockSize];
        device.Read(g.SlotOffset(slot), header);
        var h = header.AsSpan();
        if (!h[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt64LittleEndian(h[32..]) != XxHash64.HashToUInt64(h[..32]))
        { problem = "the metadata slot header is damaged"; return null; }
        if (BinaryPrimitives.ReadUInt64LittleEndian(h[8..]) != generation)
        { problem = "the metadata slot does not match the superblock"; return null; }
        var tableLength = BinaryPrimitives.ReadInt64LittleEndian(h[16..]);
        if (tableLength < 4 || tableLength > g.RegionTableLength) { problem = "the region table length is out of range"; return null; }

        var bitmap = new byte[g.BitmapLength];
        device.Read(g.BitmapOffset(slot), bitmap);
        var table = new byte[tableLength];
        device.Read(g.RegionTableOffset(slot), table);
        var content = new XxHash64();
        content.Append(bitmap);
        content.Append(table);
        if (content.GetCurrentHashAsUInt64() != BinaryPrimitives.ReadUInt64LittleEndian(h[24..]))
        { problem = "the allocation map or region table fails its checksum"; return null; }

        RegionTable regions;
        try { regions = RegionTable.Decode(table); }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException)
        { problem = "the region table cannot be decoded"; return null; }

        var checksums = new BlockChecksums(g.DataBlockCount);
        var chunk = new byte[ChunkSize];
        var tableBytes = g.DataBlockCount * sizeof(ulong);
        for (long done = 0; done < tableBytes; done += ChunkSize)
        {
            var n = (int)Math.Min(ChunkSize, tableBytes - done);
            device.Read(g.ChecksumTableOffset(slot) + done, chunk.AsSpan(0, n));
            checksums.Load(done / sizeof(ulong), chunk.AsSpan(0, n));
        }
        return (new AllocationMap(g.ExtentCount, bitmap[..(int)((g.ExtentCount + 7) / 8)]), regions, checksums);
    }
}
