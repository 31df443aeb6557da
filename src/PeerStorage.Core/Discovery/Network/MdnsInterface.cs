using System.Net;
using System.Net.Sockets;

namespace PeerStorage.Core.Discovery.Network;

/// <summary>A network interface mDNS runs on, with the addresses its answers carry.</summary>
internal sealed record MdnsInterface(int Index, string Name, IReadOnlyList<IPAddress> IPv4Addresses, IReadOnlyList<IPAddress> IPv6Addresses)
{
    public IEnumerable<IPAddress> Addresses => IPv4Addresses.Concat(IPv6Addresses);

    public bool Has(AddressFamily family) =>
        (family == AddressFamily.InterNetwork ? IPv4Addresses : IPv6Addresses).Count > 0;

    /// <summary>Same interface with the same addresses (a rescan that changed nothing).</summary>
    public bool SameAs(MdnsInterface other) =>
        Index == other.Index && Name == other.Name &&
        IPv4Addresses.SequenceEqual(other.IPv4Addresses) && IPv6Addresses.SequenceEqual(other.IPv6Addresses);

    public override string ToString() => $"{Name}#{Index}";
}
