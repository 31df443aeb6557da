using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>
/// Simultaneous probe tie-breaking (RFC 6762 §8.2): both hosts sort the records they propose for a name by class,
/// type and uncompressed data, and compare them in turn; the lexicographically later set wins, and a set that runs
/// out first loses. Identical sets are no conflict at all (our own probe heard back, or the same host).
/// </summary>
internal static class ProbeTieBreak
{
    /// <summary>Positive when ours wins, negative when theirs wins, zero when they are identical.</summary>
    public static int Compare(IEnumerable<DnsRecord> ours, IEnumerable<DnsRecord> theirs)
    {
        var a = Sorted(ours);
        var b = Sorted(theirs);
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            var order = CompareRecords(a[i], b[i]);
            if (order != 0) return order;
        }
        return a.Count.CompareTo(b.Count);
    }

    private static List<(ushort Class, ushort Type, byte[] Data)> Sorted(IEnumerable<DnsRecord> records) =>
        records.Select(r => (r.Class, (ushort)r.Type, r.Data.ToCanonicalBytes()))
            .Order(Comparer<(ushort Class, ushort Type, byte[] Data)>.Create(CompareRecords))
            .ToList();

    private static int CompareRecords((ushort Class, ushort Type, byte[] Data) x, (ushort Class, ushort Type, byte[] Data) y)
    {
        var order = x.Class.CompareTo(y.Class);
        if (order != 0) return order;
        order = x.Type.CompareTo(y.Type);
        return order != 0 ? order : x.Data.AsSpan().SequenceCompareTo(y.Data);
    }
}
