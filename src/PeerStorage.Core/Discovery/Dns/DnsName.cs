using System.Text;

namespace PeerStorage.Core.Discovery.Dns;

/// <summary>
/// A domain name as a list of labels. DNS-SD instance labels may contain dots and any UTF-8, so a name is kept as
/// labels rather than as a dotted string. Comparison folds ASCII letters only (RFC 6762 §16).
/// </summary>
public sealed class DnsName : IEquatable<DnsName>
{
    public const int MaxLabelBytes = 63;
    /// <summary>Wire length limit, including the length bytes and the final root byte.</summary>
    public const int MaxWireBytes = 255;

    private readonly string[] _labels;

    public static readonly DnsName Root = new([]);

    private DnsName(string[] labels) => _labels = labels;

    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Builds a name from labels, checking the length limits.</summary>
    public static DnsName FromLabels(params IEnumerable<string> labels)
    {
        var array = labels.ToArray();
        var wire = 1;
        foreach (var label in array)
        {
            var bytes = Encoding.UTF8.GetByteCount(label);
            if (bytes is 0 or > MaxLabelBytes)
                throw new ArgumentException($"A DNS label must be 1 to {MaxLabelBytes} bytes of UTF-8: '{label}'.", nameof(labels));
            wire += bytes + 1;
        }
        if (wire > MaxWireBytes)
            throw new ArgumentException($"A DNS name must be at most {MaxWireBytes} bytes on the wire.", nameof(labels));
        return new DnsName(array);
    }

    /// <summary>For the decoder, which has checked the limits itself.</summary>
    internal static DnsName FromCheckedLabels(string[] labels) => new(labels);

    /// <summary>Parses a dotted name; "\." and "\\" escape a dot or backslash inside a label. A trailing dot is ignored.</summary>
    public static DnsName Parse(string dotted)
    {
        ArgumentNullException.ThrowIfNull(dotted);
        var labels = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < dotted.Length; i++)
        {
            var c = dotted[i];
            if (c == '\\' && i + 1 < dotted.Length)
            {
                current.Append(dotted[++i]);
            }
            else if (c == '.')
            {
                if (current.Length == 0 && i != dotted.Length - 1)
                    throw new ArgumentException($"Empty label in DNS name '{dotted}'.", nameof(dotted));
                if (current.Length > 0) labels.Add(current.ToString());
                current.Clear();
            }
            else current.Append(c);
        }
        if (current.Length > 0) labels.Add(current.ToString());
        return FromLabels(labels);
    }

    /// <summary>This name with one more label in front (an instance label before a service type).</summary>
    public DnsName Prepend(string label) => FromLabels([label, .. _labels]);

    /// <summary>The name without its first label.</summary>
    public DnsName Parent => _labels.Length == 0 ? this : new DnsName(_labels[1..]);

    /// <summary>True when this name is <paramref name="suffix"/> or lies under it.</summary>
    public bool EndsWith(DnsName suffix)
    {
        var offset = _labels.Length - suffix._labels.Length;
        if (offset < 0) return false;
        for (var i = 0; i < suffix._labels.Length; i++)
            if (!LabelEquals(_labels[offset + i], suffix._labels[i])) return false;
        return true;
    }

    public static bool LabelEquals(string a, string b)
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++)
            if (FoldAscii(a[i]) != FoldAscii(b[i])) return false;
        return true;
    }

    private static char FoldAscii(char c) => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;

    private string? _key;

    /// <summary>A key that is equal for names that compare equal (used for dictionaries and compression).</summary>
    internal string Key => _key ??= string.Join('\0', _labels.Select(l => string.Create(l.Length, l, (span, s) =>
    {
        for (var i = 0; i < s.Length; i++) span[i] = FoldAscii(s[i]);
    })));

    public bool Equals(DnsName? other)
    {
        if (other is null || other._labels.Length != _labels.Length) return false;
        for (var i = 0; i < _labels.Length; i++)
            if (!LabelEquals(_labels[i], other._labels[i])) return false;
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as DnsName);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var label in _labels)
            foreach (var c in label) hash.Add(FoldAscii(c));
        hash.Add(_labels.Length);
        return hash.ToHashCode();
    }

    public static bool operator ==(DnsName? a, DnsName? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(DnsName? a, DnsName? b) => !(a == b);

    /// <summary>Dotted form with dots and backslashes inside labels escaped; the root is ".".</summary>
    public override string ToString() =>
        _labels.Length == 0 ? "." : string.Join('.', _labels.Select(l => l.Replace("\\", "\\\\").Replace(".", "\\.")));
}
