using System.Net;

namespace PeerStorage.Network.Tests.Lab;

/// <summary>An Ethernet segment: a Linux bridge in the lab's switch namespace, with an IPv4 /24 of its own.</summary>
public sealed class LabBridge
{
    private int _lastHostNumber = 1; // .1 is left for a router, should a test want the conventional gateway

    internal LabBridge(string deviceName, int subnetNumber)
    {
        DeviceName = deviceName;
        SubnetNumber = subnetNumber;
    }

    /// <summary>The bridge device's name inside the switch namespace.</summary>
    public string DeviceName { get; }
    /// <summary>N in 10.231.N.0/24.</summary>
    public int SubnetNumber { get; }
    public string Subnet => $"10.231.{SubnetNumber}.0/24";
    public const int PrefixLength = 24;

    internal IPAddress NextAddress()
    {
        if (_lastHostNumber >= 254) throw new InvalidOperationException($"Bridge {DeviceName} is full.");
        return IPAddress.Parse($"10.231.{SubnetNumber}.{++_lastHostNumber}");
    }

    public override string ToString() => $"{DeviceName} ({Subnet})";
}
