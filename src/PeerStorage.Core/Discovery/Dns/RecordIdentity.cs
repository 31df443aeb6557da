namespace PeerStorage.Core.Discovery.Dns;

/// <summary>What makes two records the same record (name, type, class, data), as a dictionary key.</summary>
internal readonly record struct RecordIdentity(string NameKey, DnsRecordType Type, ushort Class, DnsRecordData Data)
{
    public static RecordIdentity Of(DnsRecord record) => new(record.Name.Key, record.Type, record.Class, record.Data);
}
