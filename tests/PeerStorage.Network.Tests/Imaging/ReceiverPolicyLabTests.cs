using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Imaging;

/// <summary>Late, lossy and slow receivers: each is served without holding the others back.</summary>
public sealed class ReceiverPolicyLabTests
{
    private static readonly TimeSpan Transfer = TimeSpan.FromSeconds(150);

    [NetworkLabFact(Requires = ["lighttpd"])]
    public async Task A_machine_that_asks_late_joins_the_transmission_and_completes_from_the_next_pass()
    {
        using var rig = new ImagingLab();
        var sender = rig.AddMachine("sender");
        var early = rig.AddMachine("early");
        var late = rig.AddMachine("late");
        var sending = rig.StartSend(sender, "-MaxRate 4MB -Linger 00:00:02");
        var first = rig.StartReceive(early, extra: "-ListenTime 00:00:30");
        await rig.WaitUntilAsync(() => rig.StatusOf(early)?.PercentComplete >= 25, Transfer, "the first receiver holds a quarter");
        var second = rig.StartReceive(late, extra: "-ListenTime 00:00:30");

        var lateResult = await ImagingLab.ResultAsync(second, Transfer);
        var earlyResult = await ImagingLab.ResultAsync(first, Transfer);
        var sent = await ImagingLab.SentAsync(sending, Transfer);
        Assert.True(lateResult is { Role: "Receiver", State: "Completed", BytesFromServer: 0 }, $"{lateResult}\n{ImagingLab.LogOf(late)}");
        Assert.True(earlyResult is { Role: "Receiver", State: "Completed", BytesFromServer: 0 }, earlyResult.ToString());
        Assert.Equal(("Completed", "2", "2"), (sent[1], sent[2], sent[3]));
        Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(late)));
        Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(early)));
    }

    [NetworkLabFact(Requires = ["lighttpd", "nft"])]
    public async Task A_receiver_that_loses_five_percent_of_its_packets_is_repaired_and_not_sent_away()
    {
        using var rig = new ImagingLab();
        var sender = rig.AddMachine("sender");
        var nodes = new[] { rig.AddMachine("r1"), rig.AddMachine("r2"), rig.AddMachine("lossy") };
        nodes[2].Host.SetIncomingLoss(5);
        var sending = rig.StartSend(sender, "-Linger 00:00:02");
        var receivers = nodes.Select(node => rig.StartReceive(node, extra: "-ListenTime 00:00:30")).ToList();

        foreach (var (process, node) in receivers.Zip(nodes))
        {
            var result = await ImagingLab.ResultAsync(process, Transfer);
            Assert.True(result is { Role: "Receiver", State: "Completed", BytesFromServer: 0 }, $"{result}\n{ImagingLab.LogOf(node)}");
            Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(node)));
        }
        var sent = await ImagingLab.SentAsync(sending, Transfer);
        Assert.Equal(("Completed", "3", "3", "0"), (sent[1], sent[2], sent[3], sent[4]));
        Assert.True(long.Parse(sent[5]) > 0, "the losses were repaired with repair symbols");
    }

    [NetworkLabFact(Requires = ["lighttpd", "nft"])]
    public async Task A_slow_receiver_is_sent_to_the_server_and_the_others_do_not_wait_for_it()
    {
        using var rig = new ImagingLab();
        var sender = rig.AddMachine("sender");
        var nodes = new[] { rig.AddMachine("r1"), rig.AddMachine("r2"), rig.AddMachine("slow") };
        nodes[2].Host.SetRateLimit(3); // 3 MB/s arrive, the rest is dropped
        // At 8 MiB/s the fast two need about three seconds: long enough for the sender to judge the slow one.
        var sending = rig.StartSend(sender, "-Linger 00:00:02 -MaxRate 8MB");
        var receivers = nodes.Select(node => rig.StartReceive(node, extra: "-ListenTime 00:00:30")).ToList();

        var fast = new[] { await ImagingLab.ResultAsync(receivers[0], Transfer), await ImagingLab.ResultAsync(receivers[1], Transfer) };
        Assert.False(receivers[2].HasExited, "the fast receivers finished before the slow one: they did not wait for it");
        Assert.True(fast.All(r => r is { Role: "Receiver", State: "Completed", BytesFromServer: 0 }), string.Join('\n', fast));
        var slow = await ImagingLab.ResultAsync(receivers[2], Transfer);
        Assert.True(slow is { Role: "Server", State: "Completed", BytesFromServer: > 0 }, $"{slow}\n{ImagingLab.LogOf(nodes[2])}");
        var sent = await ImagingLab.SentAsync(sending, Transfer);
        Assert.True(sent[4] == "1", $"one receiver evicted: {string.Join('|', sent)}\n{ImagingLab.LogOf(sender)}\n{ImagingLab.LogOf(nodes[2])}");
        foreach (var node in nodes) Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(node)));
    }
}
