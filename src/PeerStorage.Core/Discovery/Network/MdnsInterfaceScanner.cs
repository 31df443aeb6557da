using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace PeerStorage.Core.Discovery.Network;

/// <summary>Lists the interfaces mDNS should use: up, multicast-capable, not loopback unless asked, named if a filter is set.</summary>
internal static class MdnsInterfaceScanner
{
    public static IReadOnlyList<MdnsInterface> Scan(MdnsOptions options)
    {
        NetworkInterface[] all;
        try
        {
            all = NetworkInterface.GetAllNetworkInterfaces();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
        var result = new List<MdnsInterface>();
        foreach (var nic in all)
        {
            var isLoopback = nic.NetworkInterfaceType == NetworkInterfaceType.Loopback;
            if (isLoopback && !options.IncludeLoopback) continue;
            if (options.InterfaceNames is { } names && !names.Contains(nic.Name)) continue;
            // Loopback carries multicast on Linux although it does not claim the flag.
            if (!nic.SupportsMulticast && !isLoopback) continue;
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown)) continue;
            if (ToMdnsInterface(nic) is { } usable) result.Add(usable);
        }
        return result;
    }

    private static MdnsInterface? ToMdnsInterface(NetworkInterface nic)
    {
        IPInterfaceProperties properties;
        try
        {
            properties = nic.GetIPProperties();
        }
        catch (NetworkInformationException)
        {
            return null;
        }
        var index = IndexOf(properties);
        if (index is null) return null;
        var v4 = new List<IPAddress>();
        var v6 = new List<IPAddress>();
        foreach (var unicast in properties.UnicastAddresses)
        {
            var address = unicast.Address;
            if (address.AddressFamily == AddressFamily.InterNetwork) v4.Add(address);
            else if (address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6) v6.Add(address);
        }
        return new MdnsInterface(index.Value, nic.Name, v4, v6);
    }

    private static int? IndexOf(IPInterfaceProperties properties)
    {
        try
        {
            return properties.GetIPv4Properties()?.Index ?? properties.GetIPv6Properties()?.Index;
        }
        catch (NetworkInformationException)
        {
            try
            {
                return properties.GetIPv6Properties()?.Index;
            }
            catch (NetworkInformationException)
            {
                return null;
            }
        }
    }
}
