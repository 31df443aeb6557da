using PeerStorage.Core.DirectoryServer;
using PeerStorage.Core.Node;
using PeerStorage.Core.Platform;
using PeerStorage.Core.Transport;
using PeerStorage.Core.Trust;

namespace PeerStorage.Core.Resolution;

/// <summary>Looks for peers on the local link (mDNS/DNS-SD) for up to a timeout.</summary>
public delegate Task<IReadOnlyList<PeerNodeInfo>> LinkBrowser(TimeSpan timeout, CancellationToken cancellationToken);

/// <summary>
/// Finds where a peer is: what the admin configured and this node's cache first, then mDNS on the link, then the
/// directory server. Whatever it finds is only a hint; the TLS handshake proves the peer's id.
/// </summary>
public sealed class PeerResolver(NodeHome home, NodeNetwork network, LinkBrowser? browse)
{
    private readonly PeerCache _cache = new(home.State);

    public async Task<PeerNodeInfo?> ResolveAsync(NodeId nodeId, TimeSpan linkTimeout, CancellationToken cancellationToken)
    {
        var id = nodeId.ToString();
        var pinned = new TrustStore(home).Get(nodeId);
        if (pinned is { Addresses.Length: > 0 })
        {
            var first = HostPort.Parse(pinned.Addresses[0], NodeHome.DefaultPort);
            return new PeerNodeInfo
            {
                NodeId = id, Name = pinned.Name ?? "", Port = first.Port, Source = PeerInfoSource.Configured, LastSeen = pinned.Added,
                Addresses = pinned.Addresses.Select(a => HostPort.Parse(a, first.Port).Host).ToArray(),
            };
        }
        if (_cache.Find(id) is { } cached) return cached;

        if (browse is not null && linkTimeout > TimeSpan.Zero) // a zero timeout skips the link
        {
            var seen = await browse(linkTimeout, cancellationToken).ConfigureAwait(false);
            foreach (var peer in seen) _cache.Remember(peer);
            if (seen.FirstOrDefault(p => p.NodeId == id) is { } onLink) return onLink;
        }

        if (DirectoryRegistration.DirectoryAddress(home) is not null)
        {
            var entry = (await DirectoryRegistration.LookupAsync(home, network, id, null, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
            if (entry is not null)
            {
                var found = new PeerNodeInfo
                {
                    NodeId = entry.NodeId, Name = entry.Name, Addresses = entry.Addresses, Port = entry.Port, FleetId = entry.FleetId,
                    Source = PeerInfoSource.Directory, LastSeen = entry.LastSeen, ProtocolVersion = EngineInfo.ProtocolVersion,
                };
                _cache.Remember(found);
                return found;
            }
        }
        return null;
    }

    /// <summary>Resolves, then tries each address until an authenticated session with that very node opens.</summary>
    public async Task<(PeerConnection Connection, string Address)> ConnectAsync(NodeId nodeId, IReadOnlyList<string>? addresses, TimeSpan linkTimeout, CancellationToken cancellationToken)
    {
        var targets = new List<HostPort>();
        if (addresses is { Count: > 0 }) targets.AddRange(addresses.Select(a => HostPort.Parse(a, NodeHome.DefaultPort)));
        else
        {
            var info = await ResolveAsync(nodeId, linkTimeout, cancellationToken).ConfigureAwait(false)
                ?? throw new PeerStorageException("PeerNotFound", PeerErrorKind.NotFound,
                    $"Node {nodeId} was not found in the cache, on the local link or in the directory.", target: nodeId.ToString());
            targets.AddRange(info.Addresses.Select(a => new HostPort(a, info.Port)));
        }
        PeerStorageException? last = null;
        foreach (var target in targets)
        {
            try
            {
                return (await network.ConnectAsync(target.Host, target.Port, nodeId, cancellationToken).ConfigureAwait(false), target.ToString());
            }
            catch (PeerStorageException e) when (e.Kind is PeerErrorKind.ConnectionError)
            {
                last = e; // try the next address
            }
        }
        _cache.Forget(nodeId.ToString());
        throw last ?? new PeerStorageException("PeerNotFound", PeerErrorKind.NotFound, $"Node {nodeId} has no address to try.", target: nodeId.ToString());
    }
}
