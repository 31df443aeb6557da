namespace PeerStorage.Core.Discovery;

/// <summary>A peer that appeared, changed or went away.</summary>
public sealed class DiscoveredPeerEventArgs(DiscoveredPeer peer) : EventArgs
{
    public DiscoveredPeer Peer { get; } = peer;
}
