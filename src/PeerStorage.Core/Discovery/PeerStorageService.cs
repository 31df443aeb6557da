using System.Globalization;

namespace PeerStorage.Core.Discovery;

/// <summary>How a PeerStorage node appears in DNS-SD: its service type and the TXT keys it publishes.</summary>
public static class PeerStorageService
{
    public const string ServiceType = "_peerstorage._tcp";

    public const string NodeIdKey = "id";
    public const string FleetKey = "fleet";
    public const string ProtocolVersionKey = "pv";
    public const string CapacityKey = "cap";
    public const string NameKey = "name";

    /// <summary>The TXT pairs for a node: id, fleet (empty when none), protocol version, offered bytes, name.</summary>
    public static IReadOnlyDictionary<string, string?> Txt(string nodeId, string? fleetId, int protocolVersion, long offeredCapacityBytes, string nodeName) =>
        new Dictionary<string, string?>
        {
            [NodeIdKey] = nodeId,
            [FleetKey] = fleetId ?? "",
            [ProtocolVersionKey] = protocolVersion.ToString(CultureInfo.InvariantCulture),
            [CapacityKey] = offeredCapacityBytes.ToString(CultureInfo.InvariantCulture),
            [NameKey] = nodeName,
        };

    /// <summary>The registration for a node, named after it.</summary>
    public static MdnsServiceRegistration Registration(string nodeName, int port, IReadOnlyDictionary<string, string?> txt, string? hostName = null) =>
        new() { InstanceName = nodeName, Port = port, Txt = txt, HostName = hostName };
}
