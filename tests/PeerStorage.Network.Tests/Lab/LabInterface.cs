using System.Net;

namespace PeerStorage.Network.Tests.Lab;

/// <summary>
/// A host's network interface (ethN) on a bridge, with the addresses the lab gave it: IPv4, an IPv6 ULA, or both
/// (the kernel adds an IPv6 link-local address of its own; see <see cref="LabHost.LinkLocalAddress"/>).
/// </summary>
public sealed record LabInterface(string Name, LabBridge Bridge, IPAddress? IPv4Address, IPAddress? IPv6Address)
{
    /// <summary>The IPv4 address, or the ULA on an IPv6-only bridge.</summary>
    public IPAddress Address => IPv4Address ?? IPv6Address!;

    public override string ToString() =>
        $"{Name} {string.Join(" ", new[] { IPv4Address is null ? null : $"{IPv4Address}/{LabBridge.PrefixLength}", IPv6Address is null ? null : $"{IPv6Address}/{LabBridge.IPv6PrefixLength}" }.OfType<string>())} on {Bridge.DeviceName}";
}
