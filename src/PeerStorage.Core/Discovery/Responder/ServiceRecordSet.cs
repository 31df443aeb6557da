using System.Net.Sockets;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>
/// The records one DNS-SD service registration owns (RFC 6763): the service type's PTR to the instance, the
/// enumeration PTR, the instance's SRV and TXT, and the host's addresses. Address records are per interface, so
/// an answer carries the addresses of the interface the question came in on. Immutable: renames and TXT changes
/// make a new set.
/// </summary>
internal sealed class ServiceRecordSet
{
    /// <summary>RFC 6762 §10: records that name a host, or whose data names one, live 120 s.</summary>
    public const uint HostRecordTtl = 120;
    /// <summary>RFC 6762 §10: every other record, 75 minutes.</summary>
    public const uint OtherRecordTtl = 4500;

    public static readonly DnsName ServiceEnumerationName = DnsName.Parse("_services._dns-sd._udp.local");

    public ServiceRecordSet(DnsName serviceName, string instanceLabel, string hostLabel, ushort port, TextRecordData txt)
    {
        ServiceName = serviceName;
        InstanceLabel = instanceLabel;
        HostLabel = hostLabel;
        Port = port;
        Txt = txt;
        InstanceName = serviceName.Prepend(instanceLabel);
        HostName = DnsName.FromLabels(hostLabel, "local");
    }

    public DnsName ServiceName { get; }
    public string InstanceLabel { get; }
    public string HostLabel { get; }
    public ushort Port { get; }
    public TextRecordData Txt { get; }
    public DnsName InstanceName { get; }
    public DnsName HostName { get; }

    public ServiceRecordSet WithInstance(string label) => new(ServiceName, label, HostLabel, Port, Txt);
    public ServiceRecordSet WithHost(string label) => new(ServiceName, InstanceLabel, label, Port, Txt);
    public ServiceRecordSet WithTxt(TextRecordData txt) => new(ServiceName, InstanceLabel, HostLabel, Port, txt);

    /// <summary>The names this set probes for and defends.</summary>
    public bool OwnsUniqueName(DnsName name) => name == HostName || name == InstanceName;

    public OwnedRecord TxtRecord => new(new DnsRecord(InstanceName, OtherRecordTtl, Txt), IsUnique: true);

    /// <summary>Every record as answered on <paramref name="iface"/>.</summary>
    public IReadOnlyList<OwnedRecord> For(MdnsInterface iface)
    {
        var records = new List<OwnedRecord>
        {
            new(new DnsRecord(ServiceEnumerationName, OtherRecordTtl, new PointerRecordData(ServiceName)), IsUnique: false),
            new(new DnsRecord(ServiceName, OtherRecordTtl, new PointerRecordData(InstanceName)), IsUnique: false),
            new(new DnsRecord(InstanceName, HostRecordTtl, new ServiceRecordData(0, 0, Port, HostName)), IsUnique: true),
            TxtRecord,
        };
        records.AddRange(AddressRecords(iface));
        return records;
    }

    public IEnumerable<OwnedRecord> AddressRecords(MdnsInterface iface) =>
        iface.Addresses.Select(a => new OwnedRecord(new DnsRecord(HostName, HostRecordTtl, new AddressRecordData(a)), IsUnique: true));

    /// <summary>The unique records under <paramref name="name"/>: what a probe proposes and tie-breaking compares.</summary>
    public IReadOnlyList<DnsRecord> UniqueRecordsNamed(DnsName name, MdnsInterface iface) =>
        For(iface).Where(o => o.IsUnique && o.Record.Name == name).Select(o => o.Record).ToList();

    /// <summary>An NSEC record saying which types <paramref name="name"/> has on this interface (RFC 6762 §6.1).</summary>
    public OwnedRecord NsecFor(DnsName name, MdnsInterface iface)
    {
        var types = new List<DnsRecordType>();
        if (name != HostName) types.AddRange([DnsRecordType.TXT, DnsRecordType.SRV]);
        else
        {
            if (iface.Has(AddressFamily.InterNetwork)) types.Add(DnsRecordType.A);
            if (iface.Has(AddressFamily.InterNetworkV6)) types.Add(DnsRecordType.AAAA);
        }
        var ttl = name == HostName ? HostRecordTtl : OtherRecordTtl;
        return new OwnedRecord(new DnsRecord(name, ttl, new NsecRecordData(name, types)), IsUnique: true);
    }
}
