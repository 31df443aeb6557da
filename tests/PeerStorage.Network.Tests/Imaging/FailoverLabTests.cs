using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Imaging;

/// <summary>An announcer that dies, during its download or during its multicast: the machines waiting on it carry on.</summary>
public sealed class FailoverLabTests
{
    private static readonly TimeSpan Transfer = TimeSpan.FromSeconds(150);

    [NetworkLabFact(Requires = ["lighttpd"])]
    public async Task When_the_announcer_dies_during_its_download_a_waiting_machine_takes_over()
    {
        using var rig = new ImagingLab();
        rig.Server.SetRateLimit(3, outgoing: true); // the download takes about 8 s
        var first = rig.AddMachine("first");
        var waiting = new[] { rig.AddMachine("r1"), rig.AddMachine("r2") };
        var announcer = rig.StartReceive(first, extra: "-ListenTime 00:00:00.5");
        var receivers = waiting.Select(node => rig.StartReceive(node, extra: "-ListenTime 00:00:30")).ToList();
        await rig.WaitUntilAsync(() => waiting.All(n => rig.StatusOf(n)?.Role == "Receiver") && rig.StatusOf(first)?.BytesVerified > 0,
            Transfer, "both machines wait on the first, which is downloading");
        announcer.Kill();

        var results = new List<TransferResult>();
        foreach (var process in receivers) results.Add(await ImagingLab.ResultAsync(process, Transfer));
        var context = string.Join('\n', results) + "\n" + string.Join('\n', waiting.Select(n => ImagingLab.LogOf(n)));
        Assert.True(results.All(r => r.State == "Completed"), context);
        Assert.True(results.Count(r => r.Role == "Announcer") == 1, context);
        Assert.True(results.Single(r => r.Role != "Announcer") is { Role: "Receiver", BytesFromServer: 0 }, context);
        foreach (var node in waiting) Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(node)));
    }

    [NetworkLabFact(Requires = ["lighttpd"])]
    public async Task When_the_sender_dies_during_the_multicast_the_receivers_keep_their_blocks_and_one_finishes_from_the_server()
    {
        using var rig = new ImagingLab();
        var sender = rig.AddMachine("sender");
        var nodes = new[] { rig.AddMachine("r1"), rig.AddMachine("r2") };
        var sending = rig.StartSend(sender, "-MaxRate 3MB");
        var receivers = nodes.Select(node => rig.StartReceive(node, extra: "-ListenTime 00:00:30")).ToList();
        await rig.WaitUntilAsync(() => nodes.All(n => rig.StatusOf(n)?.PercentComplete >= 30), Transfer, "both receivers hold a third of the image");
        sending.Kill();

        var results = new List<TransferResult>();
        foreach (var process in receivers) results.Add(await ImagingLab.ResultAsync(process, Transfer));
        var context = string.Join('\n', results) + "\n" + string.Join('\n', nodes.Select(n => ImagingLab.LogOf(n)));
        Assert.True(results.All(r => r is { State: "Completed", BytesFromMulticast: > 0 }), context);
        // The one that took over fetched only what it lacked; the other got the rest from it by multicast.
        var takeover = results.Single(r => r.Role == "Announcer");
        Assert.True(takeover.BytesFromServer is > 0 and < ImagingLab.ImageBytes, context);
        // The other takes the rest from it by multicast; on a loaded machine a stall may send it to the server for part
        // (by design), but between them the two never fetch the image twice.
        Assert.True(results.Single(r => r.Role != "Announcer").BytesFromMulticast > 0, context);
        Assert.True(results.Sum(r => r.BytesFromServer) < 2L * ImagingLab.ImageBytes, context);
        foreach (var node in nodes) Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(node)));
    }
}
