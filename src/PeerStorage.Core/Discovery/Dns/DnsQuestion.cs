namespace PeerStorage.Core.Discovery.Dns;

/// <summary>A question. <paramref name="UnicastResponse"/> is mDNS's QU bit: the asker prefers a unicast reply.</summary>
public sealed record DnsQuestion(DnsName Name, DnsRecordType Type, ushort Class = DnsClass.IN, bool UnicastResponse = false)
{
    /// <summary>True when <paramref name="record"/> answers this question (same name, matching type and class).</summary>
    public bool IsAnsweredBy(DnsRecord record) =>
        (Type == DnsRecordType.ANY || Type == record.Type) &&
        (Class == DnsClass.ANY || Class == record.Class) &&
        Name == record.Name;

    public override string ToString() => $"{Name} {Type}{(UnicastResponse ? " QU" : "")}";
}
