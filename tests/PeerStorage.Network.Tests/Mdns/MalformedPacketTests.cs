using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Mdns;

/// <summary>A responder under a stream of hostile packets from another host keeps running and answering.</summary>
public sealed class MalformedPacketTests
{
    [NetworkLabFact]
    public async Task Malformed_packets_from_another_host_neither_crash_a_responder_nor_stop_it_answering()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        var target = lab.AddHost("target", lan);
        var attacker = lab.AddHost("attacker", lan);
        var observer = lab.AddHost("observer", lan);
        var node = MdnsTool.Advertise(target, "Sturdy", "sturdy", 47000, txt: "id=sturdy");
        await node.WaitForEventAsync("announced", TimeSpan.FromSeconds(10));

        var blast = await MdnsTool.BlastAsync(attacker, target.Address, count: 20_000, seed: 7);
        blast.EnsureSuccess();
        Assert.Contains("\"blasted\"", blast.Stdout);

        Assert.False(node.Process.HasExited, node.Process.Describe());
        var found = await MdnsTool.BrowseAsync(observer);
        var peer = Assert.Single(found, p => (string?)p["instance"] == "Sturdy");
        Assert.Equal("sturdy", (string?)peer["txt"]!["id"]);
        Assert.Equal(("Sturdy", "sturdy.local"), node.AnnouncedNames);
        Assert.DoesNotContain(node.Process.StderrLines, l => l.Contains("[ERR]") || l.Contains("[FAT]") || l.Contains("Unhandled"));
    }
}
