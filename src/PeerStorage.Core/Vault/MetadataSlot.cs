using System.Buffers.Binary;
using System.IO.Hashing;

namespace PeerStorage.Core.Vault;

/// <summary>
/// Reads and writes one of the two checkpoint slots. Header: magic | generation | region table bytes used |
/// XxHash64 of bitmap + region table | XxHash64 of the header (of bytes 0..31), then at 40 the checksum-table pages
/// the other slot lacks: run count (uint32; <see cref="Unknown"/> = unknown, rewrite it whole) | runs of (first page,
/// page count) as uint32 pairs | XxHash64 of this list. The checksum table is not hashed as a whole (it can be large);
/// each of its entries checks a data block, so damage there shows up as a failed block read.
/// </summary>
internal static class MetadataSlot
{
    private static ReadOnlySpan<byte> Magic => "PSVSLOT\0"u8;
    private const int ChunkSize = 1024 * 1024;
    private const int LacksOffset = 40;
    private const uint Unknown = uint.MaxValue;
    private const int MaxLackRuns = (VaultGeometry.MetadataBlockSize - LacksOffset - 4 - 8) / 8;

    /// <summary>
    /// Breaks a slot's header before the slot is rewritten (the caller flushes before writing the rest), so a
    /// checkpoint cut short can never leave a slot that looks whole and intact at its old generation.
    /// </summary>
    public static void Invalidate(VaultDevice device, VaultGeometry g, int slot) => device.Write(g.SlotOffset(slot), new byte[VaultGeometry.MetadataBlockSize]);

    /// <summary>The generation a slot's header names, or null when the header is damaged (or invalidated).</summary>
    public static ulong? ReadGeneration(VaultDevice device, VaultGeometry g, int slot)
    {
        var header = new byte[VaultGeometry.MetadataBlockSize];
        device.Read(g.SlotOffset(slot), header);
        var h = header.AsSpan();
        if (!h[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt64LittleEndian(h[32..]) != XxHash64.HashToUInt64(h[..32])) return null;
        return BinaryPrimitives.ReadUInt64LittleEndian(h[8..]);
    }

    /// <param name="otherSlotLacks">The checksum-table pages the other slot lacks compared with this one, as runs of
    /// (first page, count); null when that is unknown.</param>
    public static void Write(VaultDevice device, VaultGeometry g, int slot, ulong generation,
        AllocationMap map, RegionTable regions, BlockChecksums checksums, bool wholeChecksumTable,
        IReadOnlyList<(long First, long Count)>? otherSlotLacks)
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
        var lacks = h[LacksOffset..];
        var runCount = otherSlotLacks is null || otherSlotLacks.Count > MaxLackRuns ? Unknown : (uint)otherSlotLacks.Count;
        BinaryPrimitives.WriteUInt32LittleEndian(lacks, runCount);
        var end = 4;
        if (runCount != Unknown)
            foreach (var (first, count) in otherSlotLacks!)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(lacks[end..], checked((uint)first));
                BinaryPrimitives.WriteUInt32LittleEndian(lacks[(end + 4)..], checked((uint)count));
                end += 8;
            }
        BinaryPrimitives.WriteUInt64LittleEndian(lacks[end..], XxHash64.HashToUInt64(lacks[..end]));
        device.Write(g.SlotOffset(slot), header);
    }

    /// <summary>Decodes the "pages the other slot lacks" list of a header; null when unknown or damaged.</summary>
    private static List<(long First, long Count)>? ReadLacks(ReadOnlySpan<byte> header)
    {
        var lacks = header[LacksOffset..];
        var runCount = BinaryPrimitives.ReadUInt32LittleEndian(lacks);
        if (runCount == Unknown || runCount > MaxLackRuns) return null;
        var end = 4 + (int)runCount * 8;
        if (BinaryPrimitives.ReadUInt64LittleEndian(lacks[end..]) != XxHash64.HashToUInt64(lacks[..end])) return null;
        var runs = new List<(long First, long Count)>((int)runCount);
        for (var p = 4; p < end; p += 8)
            runs.Add((BinaryPrimitives.ReadUInt32LittleEndian(lacks[p..]), BinaryPrimitives.ReadUInt32LittleEndian(lacks[(p + 4)..])));
        return runs;
    }

    /// <summary>Loads a slot written at <paramref name="generation"/>; null (with a reason) when it is damaged.</summary>
    public static (AllocationMap Map, RegionTable Regions, BlockChecksums Checksums, List<(long First, long Count)>? OtherSlotLacks)? Read(
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
        return (new AllocationMap(g.ExtentCount, bitmap[..(int)((g.ExtentCount + 7) / 8)]), regions, checksums, ReadLacks(h));
    }
}
