using System.Globalization;
using System.Net;

namespace PeerStorage.Network.Tests.Lab;

/// <summary>Which addresses the lab assigns to the hosts on a bridge.</summary>
public enum LabAddressing
{
    /// <summary>An IPv4 address from the bridge's 10.231.N.0/24 (hosts also have their automatic IPv6 link-local address).</summary>
    IPv4,
    /// <summary>No IPv4 at all: a ULA from fd00:231:N::/64 beside the automatic link-local address.</summary>
    IPv6Only,
    /// <summary>Both an IPv4 address and a ULA.</summary>
    DualStack,
}

/// <summary>
/// An Ethernet segment: a Linux bridge in the lab's switch namespace, with an IPv4 /24 and an IPv6 ULA /64 of its own
/// (10.231.N.0/24 and fd00:231:N::/64), of which hosts get what <see cref="Addressing"/> says.
/// </summary>
public sealed class LabBridge
{
    public const int PrefixLength = 24;
    public const int IPv6PrefixLength = 64;

    private int _lastHostNumber = 1; // .1 (and ::1) is left for a router, should a test want the conventional gateway

    internal LabBridge(string deviceName, int subnetNumber, LabAddressing addressing)
    {
        DeviceName = deviceName;
        SubnetNumber = subnetNumber;
        Addressing = addressing;
    }

    /// <summary>The bridge device's name inside the switch namespace.</summary>
    public string DeviceName { get; }
    /// <summary>N in 10.231.N.0/24 and fd00:231:N::/64.</summary>
    public int SubnetNumber { get; }
    public LabAddressing Addressing { get; }
    public bool HasIPv4 => Addressing != LabAddressing.IPv6Only;
    public bool HasIPv6 => Addressing != LabAddressing.IPv4;
    public string Subnet => $"10.231.{SubnetNumber}.0/24";
    public string IPv6Subnet => string.Create(CultureInfo.InvariantCulture, $"fd00:231:{SubnetNumber:x}::/{IPv6PrefixLength}");

    /// <summary>The next free host number on this bridge (2, 3, …).</summary>
    internal int NextHostNumber()
    {
        if (_lastHostNumber >= 254) throw new InvalidOperationException($"Bridge {DeviceName} is full.");
        return ++_lastHostNumber;
    }

    internal IPAddress IPv4Address(int hostNumber) => IPAddress.Parse($"10.231.{SubnetNumber}.{hostNumber}");

    internal IPAddress IPv6Address(int hostNumber) =>
        IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"fd00:231:{SubnetNumber:x}::{hostNumber:x}"));

    public override string ToString() => Addressing switch
    {
        LabAddressing.IPv4 => $"{DeviceName} ({Subnet})",
        LabAddressing.IPv6Only => $"{DeviceName} ({IPv6Subnet})",
        _ => $"{DeviceName} ({Subnet}, {IPv6Subnet})",
    };
}
