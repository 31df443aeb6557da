namespace PeerStorage.Core.Discovery.Dns;

/// <summary>Resource record types that mDNS/DNS-SD uses. Any other 16-bit value is carried as opaque data.</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    PTR = 12,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    NSEC = 47,
    /// <summary>Only in questions: every type.</summary>
    ANY = 255,
}

/// <summary>DNS classes. mDNS borrows the top bit of the class field (QU in questions, cache-flush in records).</summary>
public static class DnsClass
{
    public const ushort IN = 1;
    public const ushort ANY = 255;
    internal const ushort TopBit = 0x8000;
}
