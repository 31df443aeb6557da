using System.Buffers.Binary;
using System.IO.Hashing;

namespace PeerStorage.Core.Vault;

/// <summary>
/// One XxHash64 per 4 KiB data block. The value 0 means "never written since format or the last wipe": such a
/// block reads as zeros without touching the carrier, so nothing a carrier held before leaks into a region.
/// Tracks which 4 KiB pages of the table changed since each metadata slot was last written, so a checkpoint
/// writes only those.
/// </summary>
internal sealed class BlockChecksums
{
    public const ulong Unwritten = 0;
    private const int EntriesPerPage = VaultGeometry.MetadataBlockSize / sizeof(ulong);

    private readonly ulong[] _values;
    private readonly HashSet<long>[] _dirtySince = [[], []];

    public BlockChecksums(long blockCount) => _values = new ulong[blockCount];

    public long Count => _values.LongLength;

    public ulong this[long block] => _values[block];

    public static ulong Of(ReadOnlySpan<byte> block)
    {
        var hash = XxHash64.HashToUInt64(block);
        return hash == Unwritten ? 1 : hash; // keep 0 free as the "unwritten" marker
    }

    public void Set(long block, ulong value)
    {
        if (_values[block] == value) return;
        _values[block] = value;
        var page = block / EntriesPerPage;
        _dirtySince[0].Add(page);
        _dirtySince[1].Add(page);
    }

    /// <summary>Fills entries from <paramref name="firstEntry"/> on from a piece of the stored table.</summary>
    public void Load(long firstEntry, ReadOnlySpan<byte> piece)
    {
        for (var i = 0; i < piece.Length / 8 && firstEntry + i < _values.LongLength; i++)
            _values[firstEntry + i] = BinaryPrimitives.ReadUInt64LittleEndian(piece[(i * 8)..]);
    }

    /// <summary>Encodes entries from <paramref name="firstEntry"/> on into <paramref name="piece"/> (zeros past the end).</summary>
    public void Encode(long firstEntry, Span<byte> piece)
    {
        piece.Clear();
        for (var i = 0; i < piece.Length / 8 && firstEntry + i < _values.LongLength; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(piece[(i * 8)..], _values[firstEntry + i]);
    }

    /// <summary>Forgets which pages slot <paramref name="slot"/> lacks, after the whole table was written there.</summary>
    public void MarkClean(int slot) => _dirtySince[slot].Clear();

    /// <summary>The pages (by index) that slot <paramref name="slot"/> lacks, as runs of (first page, count), in order.</summary>
    public List<(long First, long Count)> DirtyPageRuns(int slot)
    {
        var runs = new List<(long First, long Count)>();
        foreach (var page in _dirtySince[slot].Order())
        {
            if (runs.Count > 0 && runs[^1].First + runs[^1].Count == page) runs[^1] = (runs[^1].First, runs[^1].Count + 1);
            else runs.Add((page, 1));
        }
        return runs;
    }

    /// <summary>Notes that slot <paramref name="slot"/> lacks these pages (read back from the other slot's header on open).</summary>
    public void MarkDirty(int slot, IEnumerable<(long First, long Count)> runs)
    {
        var pages = (_values.LongLength + EntriesPerPage - 1) / EntriesPerPage;
        foreach (var (first, count) in runs)
            for (var page = first; page < first + count && page < pages; page++) _dirtySince[slot].Add(page);
    }

    /// <summary>The pages that slot <paramref name="slot"/> lacks, as (byte offset in the table, bytes).</summary>
    public IEnumerable<(long Offset, byte[] Bytes)> TakeDirtyPages(int slot)
    {
        foreach (var page in _dirtySince[slot].Order())
        {
            var bytes = new byte[VaultGeometry.MetadataBlockSize];
            var first = page * EntriesPerPage;
            for (var i = 0; i < EntriesPerPage && first + i < _values.LongLength; i++)
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), _values[first + i]);
            yield return (page * VaultGeometry.MetadataBlockSize, bytes);
        }
        _dirtySince[slot].Clear();
    }
}
