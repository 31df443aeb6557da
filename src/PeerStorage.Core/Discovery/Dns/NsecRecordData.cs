namespace PeerStorage.Core.Discovery.Dns;

/// <summary>
/// An NSEC record, which mDNS uses to say which types a name has, and so which it does not (RFC 6762 §6.1). The type
/// bitmap is kept in wire form: decoding a hostile bitmap then costs its size, not one object per type it lists.
/// </summary>
public sealed class NsecRecordData : DnsRecordData
{
    private readonly byte[] _bitmap;

    public NsecRecordData(DnsName nextName, IEnumerable<DnsRecordType> types)
    {
        NextName = nextName;
        _bitmap = EncodeBitmap(types);
    }

    private NsecRecordData(DnsName nextName, byte[] bitmap)
    {
        NextName = nextName;
        _bitmap = bitmap;
    }

    /// <summary>In mDNS, the record's own name.</summary>
    public DnsName NextName { get; }

    public override DnsRecordType Type => DnsRecordType.NSEC;

    /// <summary>The types the bitmap lists, in ascending order.</summary>
    public IEnumerable<DnsRecordType> Types
    {
        get
        {
            for (var i = 0; i < _bitmap.Length;)
            {
                int window = _bitmap[i], length = _bitmap[i + 1];
                for (var b = 0; b < length; b++)
                    for (var bit = 0; bit < 8; bit++)
                        if ((_bitmap[i + 2 + b] & (0x80 >> bit)) != 0)
                            yield return (DnsRecordType)(window * 256 + b * 8 + bit);
                i += 2 + length;
            }
        }
    }

    public bool Lists(DnsRecordType type)
    {
        int window = (ushort)type >> 8, low = (ushort)type & 0xFF;
        for (var i = 0; i < _bitmap.Length; i += 2 + _bitmap[i + 1])
        {
            if (_bitmap[i] != window) continue;
            var index = low / 8;
            return index < _bitmap[i + 1] && (_bitmap[i + 2 + index] & (0x80 >> (low % 8))) != 0;
        }
        return false;
    }

    private static byte[] EncodeBitmap(IEnumerable<DnsRecordType> types)
    {
        var result = new List<byte>();
        foreach (var window in types.Select(t => (ushort)t).Distinct().GroupBy(t => t >> 8).OrderBy(g => g.Key))
        {
            var bits = new byte[32];
            foreach (var t in window) bits[(t & 0xFF) / 8] |= (byte)(0x80 >> (t % 8));
            var length = Array.FindLastIndex(bits, b => b != 0) + 1;
            result.Add((byte)window.Key);
            result.Add((byte)length);
            result.AddRange(bits.AsSpan(0, length).ToArray());
        }
        return result.ToArray();
    }

    internal override void Write(DnsWireWriter writer)
    {
        writer.WriteName(NextName);
        writer.WriteBytes(_bitmap);
    }

    internal static NsecRecordData Read(ref DnsWireReader reader, int length)
    {
        var end = reader.Position + length;
        var next = reader.ReadName();
        if (reader.Position > end) throw new DnsFormatException("NSEC next name runs past its record.");
        var bitmap = reader.ReadBytes(end - reader.Position).ToArray();
        var previousWindow = -1;
        for (var i = 0; i < bitmap.Length;)
        {
            if (i + 2 > bitmap.Length) throw new DnsFormatException("Truncated NSEC window header.");
            int window = bitmap[i], size = bitmap[i + 1];
            if (window <= previousWindow) throw new DnsFormatException("NSEC windows out of order.");
            if (size is 0 or > 32 || i + 2 + size > bitmap.Length) throw new DnsFormatException("Bad NSEC window length.");
            previousWindow = window;
            i += 2 + size;
        }
        return new NsecRecordData(next, bitmap);
    }

    public override bool Equals(DnsRecordData? other) =>
        other is NsecRecordData n && n.NextName == NextName && n._bitmap.AsSpan().SequenceEqual(_bitmap);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(NextName);
        hash.AddBytes(_bitmap);
        return hash.ToHashCode();
    }

    public override string ToString() => $"{NextName} ({string.Join(' ', Types)})";
}
