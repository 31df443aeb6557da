using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace PeerStorage.Core.Platform;

public static class NetworkAddresses
{
    /// <summary>Unicast addresses of interfaces that are up, loopback last (so a lone machine still has one).</summary>
    public static string[] Local()
    {
        try
        {
            var addresses = NetworkInterface.GetAllNetworkInterfaces()
                .Where(i => i.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
                .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(a => (i.NetworkInterfaceType, a.Address)))
                .Where(x => x.Address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .OrderBy(x => x.NetworkInterfaceType == NetworkInterfaceType.Loopback ? 1 : 0)
                .Select(x => x.Address.ToString())
                .Distinct()
                .ToArray();
            return addresses.Length > 0 ? addresses : ["127.0.0.1"];
        }
        catch (NetworkInformationException)
        {
            return ["127.0.0.1"];
        }
    }
}
