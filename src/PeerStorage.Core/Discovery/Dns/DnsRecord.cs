namespace PeerStorage.Core.Discovery.Dns;

/// <summary>
/// A resource record. <see cref="CacheFlush"/> is mDNS's top class bit: this record replaces every other record of the
/// same name, type and class that the receiver has cached (RFC 6762 §10.2).
/// </summary>
public sealed class DnsRecord
{
    public DnsRecord(DnsName name, uint ttl, DnsRecordData data, bool cacheFlush = false, ushort @class = DnsClass.IN)
        : this(name, data.Type, ttl, data, cacheFlush, @class)
    {
    }

    internal DnsRecord(DnsName name, DnsRecordType type, uint ttl, DnsRecordData data, bool cacheFlush, ushort @class)
    {
        Name = name;
        Type = type;
        Ttl = ttl;
        Data = data;
        CacheFlush = cacheFlush;
        Class = @class;
    }

    public DnsName Name { get; }
    public DnsRecordType Type { get; }
    /// <summary>The class without the cache-flush bit.</summary>
    public ushort Class { get; }
    public bool CacheFlush { get; }
    /// <summary>Seconds; 0 is a goodbye.</summary>
    public uint Ttl { get; }
    public DnsRecordData Data { get; }

    public DnsRecord WithTtl(uint ttl) => new(Name, Type, ttl, Data, CacheFlush, Class);
    public DnsRecord WithCacheFlush(bool cacheFlush) => new(Name, Type, Ttl, Data, cacheFlush, Class);

    /// <summary>Same name, type, class and data: the same record, whatever its TTL and cache-flush bit.</summary>
    public bool IsSameRecord(DnsRecord other) =>
        Type == other.Type && Class == other.Class && Name == other.Name && Data.Equals(other.Data);

    /// <summary>Same name, type and class: in the same record set.</summary>
    public bool IsSameSet(DnsRecord other) => Type == other.Type && Class == other.Class && Name == other.Name;

    public override string ToString() => $"{Name} {Ttl} {Type}{(CacheFlush ? " flush" : "")} {Data}";
}
