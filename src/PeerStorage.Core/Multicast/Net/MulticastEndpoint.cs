using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace PeerStorage.Core.Multicast.Net;

/// <summary>
/// Where a session talks: an IPv4 multicast group, its control and data ports, the interface (null: the one the
/// routing table picks for the group) and the TTL (1 by default: imaging stays on its link).
/// </summary>
public sealed record MulticastEndpoint
{
    public static readonly IPAddress DefaultGroup = IPAddress.Parse("239.255.80.73");
    public const int DefaultControlPort = 47700;

    public IPAddress Group { get; init; } = DefaultGroup;
    public int ControlPort { get; init; } = DefaultControlPort;
    /// <summary>Data goes to the next port.</summary>
    public int DataPort => ControlPort + 1;
    public string? Interface { get; init; }
    public int Ttl { get; init; } = 1;

    public IPEndPoint ControlEndPoint => new(Group, ControlPort);
    public IPEndPoint DataEndPoint => new(Group, DataPort);

    /// <summary>Checks the group and the interface; throws ArgumentException with what is wrong.</summary>
    public void Validate()
    {
        if (Group.AddressFamily != AddressFamily.InterNetwork || (Group.GetAddressBytes()[0] & 0xF0) != 0xE0)
            throw new ArgumentException($"'{Group}' is not an IPv4 multicast group (224.0.0.0/4).");
        if (ControlPort is < 1 or > 65534) throw new ArgumentException($"Port {ControlPort} is out of range (1..65534; data uses the next one).");
        if (Ttl is < 1 or > 255) throw new ArgumentException($"TTL {Ttl} is out of range (1..255).");
        if (Interface is not null) _ = InterfaceIndex();
    }

    /// <summary>The IPv4 index of <see cref="Interface"/>, or null for the routing table's choice.</summary>
    internal int? InterfaceIndex()
    {
        if (Interface is null) return null;
        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => string.Equals(n.Name, Interface, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"There is no network interface named '{Interface}'.");
        if (!nic.SupportsMulticast) throw new ArgumentException($"Interface '{Interface}' does not support multicast.");
        return nic.GetIPProperties().GetIPv4Properties()?.Index
            ?? throw new ArgumentException($"Interface '{Interface}' has no IPv4.");
    }
}
