using System.Text;

namespace PeerStorage.Core.Discovery.Dns;

/// <summary>
/// A TXT record: a list of strings of up to 255 bytes. DNS-SD reads them as key=value pairs (RFC 6763 §6); an empty
/// TXT record is one empty string on the wire.
/// </summary>
public sealed class TextRecordData : DnsRecordData
{
    public const int MaxStringBytes = 255;

    private readonly byte[][] _strings;

    public TextRecordData(IEnumerable<byte[]> strings)
    {
        _strings = strings.Select(s => s.ToArray()).ToArray();
        if (_strings.Any(s => s.Length > MaxStringBytes))
            throw new ArgumentException($"A TXT string is at most {MaxStringBytes} bytes.", nameof(strings));
    }

    public IReadOnlyList<byte[]> Strings => _strings;

    public override DnsRecordType Type => DnsRecordType.TXT;

    /// <summary>Encodes DNS-SD key/value pairs; a null value is a bare key (a boolean attribute).</summary>
    public static TextRecordData FromProperties(IEnumerable<KeyValuePair<string, string?>> properties)
    {
        var strings = new List<byte[]>();
        foreach (var (key, value) in properties)
        {
            if (key.Length == 0 || key.Any(c => c is < ' ' or > '~' or '='))
                throw new ArgumentException($"A TXT key is printable ASCII without '=': '{key}'.", nameof(properties));
            strings.Add(Encoding.UTF8.GetBytes(value is null ? key : $"{key}={value}"));
        }
        return new TextRecordData(strings);
    }

    /// <summary>
    /// Decodes DNS-SD key/value pairs: keys compare case-insensitively and the first occurrence wins; a bare key maps
    /// to null; strings without a key are skipped (RFC 6763 §6.4).
    /// </summary>
    public IReadOnlyDictionary<string, string?> ToProperties()
    {
        var properties = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in _strings)
        {
            var equals = Array.IndexOf(s, (byte)'=');
            if (equals == 0 || s.Length == 0) continue;
            var key = Encoding.ASCII.GetString(s, 0, equals < 0 ? s.Length : equals);
            var value = equals < 0 ? null : Encoding.UTF8.GetString(s, equals + 1, s.Length - equals - 1);
            properties.TryAdd(key, value);
        }
        return properties;
    }

    internal override void Write(DnsWireWriter writer)
    {
        if (_strings.Length == 0)
        {
            writer.WriteByte(0);
            return;
        }
        foreach (var s in _strings)
        {
            writer.WriteByte((byte)s.Length);
            writer.WriteBytes(s);
        }
    }

    internal static TextRecordData Read(ref DnsWireReader reader, int length)
    {
        var strings = new List<byte[]>();
        var end = reader.Position + length;
        while (reader.Position < end)
        {
            var size = reader.ReadByte();
            if (reader.Position + size > end) throw new DnsFormatException("A TXT string runs past its record.");
            var bytes = reader.ReadBytes(size);
            if (size > 0) strings.Add(bytes.ToArray()); // the lone empty string means "no pairs"
        }
        return new TextRecordData(strings);
    }

    public override bool Equals(DnsRecordData? other) =>
        other is TextRecordData t && t._strings.Length == _strings.Length &&
        t._strings.Zip(_strings).All(p => p.First.AsSpan().SequenceEqual(p.Second));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var s in _strings) hash.AddBytes(s);
        return hash.ToHashCode();
    }

    public override string ToString() => string.Join(' ', _strings.Select(s => $"\"{Encoding.UTF8.GetString(s)}\""));
}
