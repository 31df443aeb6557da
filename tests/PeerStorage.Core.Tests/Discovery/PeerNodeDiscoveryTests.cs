using System.Net;
using PeerStorage.Core.Discovery;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Tests.Discovery;

public sealed class PeerNodeDiscoveryTests
{
    private static DiscoveredPeer Peer(IReadOnlyDictionary<string, string?> txt) => new()
    {
        InstanceName = "lab-pc-07 (2)", ServiceType = PeerStorageService.ServiceType, HostName = "lab-pc-07.local", Port = 47000,
        Addresses = [IPAddress.Parse("10.231.1.2"), IPAddress.Parse("fe80::1%2")], Txt = txt, InterfaceName = "eth0", InterfaceIndex = 2,
    };

    [Fact]
    public void A_peer_with_a_valid_node_id_becomes_a_node_described_by_its_txt()
    {
        var id = NodeId.FromHash(new byte[32]).ToString();
        var node = PeerNodeDiscovery.ToPeerNodeInfo(Peer(PeerStorageService.Txt(id, "fleet-1", 1, 4096, "lab-pc-07")));

        Assert.NotNull(node);
        Assert.Equal(id, node.NodeId);
        Assert.Equal("lab-pc-07", node.Name); // the node's own name, not the renamed instance
        Assert.Equal(["10.231.1.2", "fe80::1%2"], node.Addresses);
        Assert.Equal((47000, "fleet-1", 4096L, 1, PeerInfoSource.Mdns), (node.Port, node.FleetId, node.OfferedBytes, node.ProtocolVersion, node.Source));
    }

    [Fact]
    public void A_peer_without_a_valid_node_id_is_not_a_node()
    {
        Assert.Null(PeerNodeDiscovery.ToPeerNodeInfo(Peer(new Dictionary<string, string?> { ["id"] = "not-a-node-id" })));
        Assert.Null(PeerNodeDiscovery.ToPeerNodeInfo(Peer(new Dictionary<string, string?>())));
    }
}
