namespace PeerStorage.Core.Discovery.Dns;

/// <summary>
/// The data (rdata) of a record. Equality is by content, with embedded names compared case-insensitively, so two
/// records are "the same" exactly when RFC 6762 treats them so (known answers, conflicts, duplicates).
/// </summary>
public abstract class DnsRecordData : IEquatable<DnsRecordData>
{
    public abstract DnsRecordType Type { get; }

    /// <summary>Writes the data, compressing embedded names through <paramref name="writer"/> where mDNS allows.</summary>
    internal abstract void Write(DnsWireWriter writer);

    /// <summary>The uncompressed wire bytes, as probe tie-breaking compares them (RFC 6762 §8.2).</summary>
    public byte[] ToCanonicalBytes()
    {
        var writer = new DnsWireWriter(compress: false);
        Write(writer);
        return writer.ToArray();
    }

    public abstract bool Equals(DnsRecordData? other);
    public override bool Equals(object? obj) => Equals(obj as DnsRecordData);
    public abstract override int GetHashCode();
}
