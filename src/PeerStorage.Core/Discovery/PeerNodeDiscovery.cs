using PeerStorage.Core.Node;
using Serilog;

namespace PeerStorage.Core.Discovery;

/// <summary>
/// PeerStorage nodes on the local link, described as the resolver and Find-PeerNode describe peers. Instances whose
/// TXT record carries no well-formed node id are not PeerStorage nodes and are left out; the id is only a claim
/// until the TLS handshake proves it.
/// </summary>
public static class PeerNodeDiscovery
{
    /// <summary>Browses for <paramref name="timeout"/> and returns one entry per node id.</summary>
    public static async Task<IReadOnlyList<PeerNodeInfo>> BrowseAsync(TimeSpan timeout, ILogger? logger = null, MdnsOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var peers = await MdnsBrowser.BrowseAsync(timeout, options, logger, PeerStorageService.ServiceType, cancellationToken).ConfigureAwait(false);
        return peers.Select(ToPeerNodeInfo).OfType<PeerNodeInfo>().DistinctBy(p => p.NodeId).ToList();
    }

    /// <summary>The peer as a node, or null when its TXT record names no valid node id.</summary>
    public static PeerNodeInfo? ToPeerNodeInfo(DiscoveredPeer peer)
    {
        if (!NodeId.TryParse(peer.NodeId, out var id, out _)) return null;
        return new PeerNodeInfo
        {
            NodeId = id.ToString(),
            Name = peer.NodeName ?? peer.InstanceName,
            Addresses = peer.Addresses.Select(a => a.ToString()).ToArray(),
            Port = peer.Port,
            FleetId = peer.FleetId,
            OfferedBytes = peer.OfferedCapacityBytes ?? 0,
            ProtocolVersion = peer.ProtocolVersion ?? 0,
            Source = PeerInfoSource.Mdns,
            LastSeen = DateTimeOffset.UtcNow,
        };
    }
}
