namespace PeerStorage.Core.Discovery.Dns;

/// <summary>An SRV record: where a service instance listens (host name and port).</summary>
public sealed class ServiceRecordData(ushort priority, ushort weight, ushort port, DnsName target) : DnsRecordData
{
    public ushort Priority { get; } = priority;
    public ushort Weight { get; } = weight;
    public ushort Port { get; } = port;
    public DnsName Target { get; } = target;

    public override DnsRecordType Type => DnsRecordType.SRV;

    // RFC 6762 §18.14 lets mDNS compress the SRV target (unicast DNS does not).
    internal override void Write(DnsWireWriter writer)
    {
        writer.WriteUInt16(Priority);
        writer.WriteUInt16(Weight);
        writer.WriteUInt16(Port);
        writer.WriteName(Target);
    }

    internal static ServiceRecordData Read(ref DnsWireReader reader) =>
        new(reader.ReadUInt16(), reader.ReadUInt16(), reader.ReadUInt16(), reader.ReadName());

    public override bool Equals(DnsRecordData? other) =>
        other is ServiceRecordData s && s.Priority == Priority && s.Weight == Weight && s.Port == Port && s.Target == Target;

    public override int GetHashCode() => HashCode.Combine(Priority, Weight, Port, Target);
    public override string ToString() => $"{Priority} {Weight} {Port} {Target}";
}
