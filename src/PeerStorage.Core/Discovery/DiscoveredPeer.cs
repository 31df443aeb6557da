using System.Globalization;
using System.Net;

namespace PeerStorage.Core.Discovery;

/// <summary>
/// A service instance found by DNS-SD: its name, where it listens, its TXT pairs and the interface it was heard on.
/// For a PeerStorage node the TXT pairs carry its id, fleet, protocol version, offered capacity and name.
/// </summary>
public sealed record DiscoveredPeer
{
    /// <summary>The instance label, e.g. "lab-pc-07" or "lab-pc-07 (2)".</summary>
    public required string InstanceName { get; init; }
    /// <summary>"_peerstorage._tcp".</summary>
    public required string ServiceType { get; init; }
    /// <summary>"host.local".</summary>
    public required string HostName { get; init; }
    public required int Port { get; init; }
    /// <summary>IPv4 first, then IPv6; link-local IPv6 addresses carry the interface as their scope.</summary>
    public required IReadOnlyList<IPAddress> Addresses { get; init; }
    /// <summary>TXT pairs, keys case-insensitive; a key without "=" maps to null.</summary>
    public required IReadOnlyDictionary<string, string?> Txt { get; init; }
    public required string InterfaceName { get; init; }
    public required int InterfaceIndex { get; init; }

    public string FullName => $"{InstanceName.Replace("\\", "\\\\").Replace(".", "\\.")}.{ServiceType}.local";

    public string? NodeId => Value(PeerStorageService.NodeIdKey);
    /// <summary>Null when the node belongs to no fleet.</summary>
    public string? FleetId => Value(PeerStorageService.FleetKey);
    public string? NodeName => Value(PeerStorageService.NameKey);
    public int? ProtocolVersion =>
        int.TryParse(Value(PeerStorageService.ProtocolVersionKey), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
    public long? OfferedCapacityBytes =>
        long.TryParse(Value(PeerStorageService.CapacityKey), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private string? Value(string key) => Txt.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>Same name, host, port, addresses, TXT and interface (what decides an "updated" event).</summary>
    public bool HasSameContentAs(DiscoveredPeer other) =>
        InstanceName == other.InstanceName && ServiceType == other.ServiceType && HostName == other.HostName &&
        Port == other.Port && InterfaceIndex == other.InterfaceIndex &&
        Addresses.Count == other.Addresses.Count && Addresses.All(other.Addresses.Contains) &&
        Txt.Count == other.Txt.Count && Txt.All(p => other.Txt.TryGetValue(p.Key, out var v) && v == p.Value);

    public override string ToString() => $"{InstanceName} at {HostName}:{Port} [{string.Join(", ", Addresses)}] via {InterfaceName}";
}
