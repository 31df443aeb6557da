using System.Globalization;
using PeerStorage.Core.Discovery;

namespace PeerStorage.Core.Node;

/// <summary>
/// Where this process may use mDNS. A node announces itself and browses on every multicast-capable interface by
/// default. PEERSTORAGE_MDNS=off turns discovery off (a server on a network where multicast is unwelcome);
/// PEERSTORAGE_MDNS=loopback keeps it on the loopback interface, and PEERSTORAGE_MDNS_PORT moves it off 5353 —
/// the test suites use both so they never multicast on the machine's real network.
/// </summary>
public static class DiscoveryPolicy
{
    public const string ModeVariable = "PEERSTORAGE_MDNS";
    public const string PortVariable = "PEERSTORAGE_MDNS_PORT";

    /// <summary>The options to use, or null when discovery is off.</summary>
    public static MdnsOptions? Current()
    {
        var mode = Environment.GetEnvironmentVariable(ModeVariable)?.Trim().ToLowerInvariant();
        var options = mode switch
        {
            "off" or "0" or "false" => null,
            "loopback" => new MdnsOptions { IncludeLoopback = true, InterfaceNames = [LoopbackName()] },
            _ => new MdnsOptions(),
        };
        if (options is not null && int.TryParse(Environment.GetEnvironmentVariable(PortVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
            options = options with { Port = port };
        return options;
    }

    private static string LoopbackName() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(i => i.NetworkInterfaceType == System.Net.NetworkInformation.NetworkInterfaceType.Loopback)?.Name ?? "lo";
}
