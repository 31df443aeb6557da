namespace PeerStorage.Core.Discovery.Dns;

/// <summary>A PTR record's target: in DNS-SD, a service type points at its instances.</summary>
public sealed class PointerRecordData(DnsName target) : DnsRecordData
{
    public DnsName Target { get; } = target;

    public override DnsRecordType Type => DnsRecordType.PTR;

    internal override void Write(DnsWireWriter writer) => writer.WriteName(Target);

    internal static PointerRecordData Read(ref DnsWireReader reader) => new(reader.ReadName());

    public override bool Equals(DnsRecordData? other) => other is PointerRecordData p && p.Target == Target;
    public override int GetHashCode() => Target.GetHashCode();
    public override string ToString() => Target.ToString();
}
