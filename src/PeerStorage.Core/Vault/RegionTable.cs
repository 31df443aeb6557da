using System.Buffers.Binary;
using System.Text;

namespace PeerStorage.Core.Vault;

/// <summary>The regions by id, and their encoding in a metadata slot: count, then per region id | owner | length | extent runs.</summary>
internal sealed class RegionTable
{
    private readonly Dictionary<Guid, VaultRegion> _regions = [];

    public IReadOnlyCollection<VaultRegion> All => _regions.Values;

    public bool TryGet(Guid id, out VaultRegion region) => _regions.TryGetValue(id, out region!);

    public void Add(VaultRegion region) => _regions[region.Id] = region;

    public void Remove(Guid id) => _regions.Remove(id);

    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        Span<byte> scratch = stackalloc byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(scratch, _regions.Count);
        buffer.Write(scratch[..4]);
        foreach (var region in _regions.Values.OrderBy(r => r.Id))
        {
            region.Id.TryWriteBytes(scratch);
            buffer.Write(scratch);
            var owner = Encoding.UTF8.GetBytes(region.OwnerId);
            BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)owner.Length);
            buffer.Write(scratch[..2]);
            buffer.Write(owner);
            BinaryPrimitives.WriteInt64LittleEndian(scratch, region.Length);
            BinaryPrimitives.WriteInt32LittleEndian(scratch[8..], region.Extents.Count);
            buffer.Write(scratch[..12]);
            foreach (var run in region.Extents)
            {
                BinaryPrimitives.WriteInt64LittleEndian(scratch, run.Start);
                BinaryPrimitives.WriteInt32LittleEndian(scratch[8..], run.Count);
                buffer.Write(scratch[..12]);
            }
        }
        return buffer.ToArray();
    }

    public static RegionTable Decode(ReadOnlySpan<byte> s)
    {
        var table = new RegionTable();
        var count = BinaryPrimitives.ReadInt32LittleEndian(s);
        var p = 4;
        for (var i = 0; i < count; i++)
        {
            var id = new Guid(s.Slice(p, 16));
            var ownerLength = BinaryPrimitives.ReadUInt16LittleEndian(s[(p + 16)..]);
            var owner = Encoding.UTF8.GetString(s.Slice(p + 18, ownerLength));
            p += 18 + ownerLength;
            var length = BinaryPrimitives.ReadInt64LittleEndian(s[p..]);
            var runCount = BinaryPrimitives.ReadInt32LittleEndian(s[(p + 8)..]);
            p += 12;
            var runs = new Run[runCount];
            for (var r = 0; r < runCount; r++, p += 12)
                runs[r] = new Run(BinaryPrimitives.ReadInt64LittleEndian(s[p..]), BinaryPrimitives.ReadInt32LittleEndian(s[(p + 8)..]));
            table.Add(new VaultRegion(id, owner, length, runs));
        }
        return table;
    }
}
