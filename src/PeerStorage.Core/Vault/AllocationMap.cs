namespace PeerStorage.Core.Vault;

/// <summary>One bit per data extent: set = owned by a region.</summary>
internal sealed class AllocationMap
{
    private readonly byte[] _bits;

    public AllocationMap(long extentCount, byte[]? bits = null)
    {
        ExtentCount = extentCount;
        _bits = bits ?? new byte[(extentCount + 7) / 8];
        Used = 0;
        for (long i = 0; i < extentCount; i++) if (IsSet(i)) Used++;
    }

    public long ExtentCount { get; }
    public long Used { get; private set; }
    public long Free => ExtentCount - Used;
    public ReadOnlySpan<byte> Bytes => _bits;

    public bool IsSet(long extent) => (_bits[extent >> 3] & (1 << (int)(extent & 7))) != 0;

    public void Set(Run run, bool value)
    {
        for (var e = run.Start; e < run.Start + run.Count; e++)
        {
            if (IsSet(e) == value) continue;
            if (value) _bits[e >> 3] |= (byte)(1 << (int)(e & 7));
            else _bits[e >> 3] &= (byte)~(1 << (int)(e & 7));
            Used += value ? 1 : -1;
        }
    }

    /// <summary>Picks <paramref name="count"/> free extents, first-fit, preferring long runs so regions stay contiguous.</summary>
    public List<Run>? Find(long count)
    {
        if (count > Free) return null;
        var runs = new List<Run>();
        long start = -1, needed = count;
        for (long e = 0; e < ExtentCount && needed > 0; e++)
        {
            if (!IsSet(e))
            {
                if (start < 0) start = e;
                if (e - start + 1 == needed || e - start + 1 == int.MaxValue) { runs.Add(new Run(start, (int)(e - start + 1))); needed -= e - start + 1; start = -1; }
            }
            else if (start >= 0) { runs.Add(new Run(start, (int)(e - start))); needed -= e - start; start = -1; }
        }
        return needed == 0 ? runs : null;
    }
}
