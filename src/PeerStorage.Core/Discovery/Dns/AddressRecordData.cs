using System.Net;
using System.Net.Sockets;

namespace PeerStorage.Core.Discovery.Dns;

/// <summary>An A (IPv4) or AAAA (IPv6) record's address.</summary>
public sealed class AddressRecordData : DnsRecordData
{
    public AddressRecordData(IPAddress address)
    {
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException("Only IPv4 and IPv6 addresses fit an address record.", nameof(address));
        // The scope (interface) of a link-local address is not part of the record.
        Address = address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPAddress(address.GetAddressBytes()) : address;
    }

    public IPAddress Address { get; }

    public override DnsRecordType Type => Address.AddressFamily == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA;

    internal override void Write(DnsWireWriter writer) => writer.WriteBytes(Address.GetAddressBytes());

    internal static AddressRecordData Read(ref DnsWireReader reader, DnsRecordType type, int length)
    {
        var expected = type == DnsRecordType.A ? 4 : 16;
        if (length != expected) throw new DnsFormatException($"{type} record data must be {expected} bytes, not {length}.");
        return new AddressRecordData(new IPAddress(reader.ReadBytes(length)));
    }

    public override bool Equals(DnsRecordData? other) => other is AddressRecordData a && a.Address.Equals(Address);
    public override int GetHashCode() => Address.GetHashCode();
    public override string ToString() => Address.ToString();
}
