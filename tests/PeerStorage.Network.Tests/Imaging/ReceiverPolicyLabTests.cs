using System.Globalization;
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
        // A long linger: on a loaded machine the late one's shell may start after the early one is done; the sender
        // waits that long for anyone else before it ends the session.
        var sending = rig.StartSend(sender, "-MaxRate 4MB -Linger 00:00:10");
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
        // The receivers listen before the sender starts: on a loaded machine a shell can take longer to start than
        // the sender lingers for nobody, and a receiver that missed the session would take the image elsewhere.
        var receivers = nodes.Select(node => rig.StartReceive(node, extra: "-ListenTime 00:00:30")).ToList();
        await rig.WaitUntilAsync(() => nodes.All(n => rig.StatusOf(n)?.State == "Listening"), Transfer, "the three receivers listen");
        var sending = rig.StartSend(sender, "-Linger 00:00:02");

        var results = new List<TransferResult>();
        foreach (var process in receivers) results.Add(await ImagingLab.ResultAsync(process, Transfer));
        var sent = await ImagingLab.SentAsync(sending, Transfer);
        var context = $"{string.Join('\n', results)}\nsent: {string.Join('|', sent)}\n{ImagingLab.LogOf(sender)}\n{ImagingLab.LogOf(nodes[2])}";
        foreach (var node in nodes) Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(node)));
        // Each one takes the whole multicast (Receiver). On a loaded machine one may stall (no new block for the stall
        // timeout) and take what it lacks from the server (Server): that fallback is by design. Either way most of the
        // image came by multicast, which for the lossy one means its losses were repaired: without repair it would
        // complete almost no block by multicast and fetch nearly everything from the server.
        Assert.True(results.All(r => r is { State: "Completed", Role: "Receiver" or "Server" }), context);
        Assert.True(results.All(r => r.BytesFromMulticast > ImagingLab.ImageBytes / 2 && (r.Role == "Server" || r.BytesFromServer == 0)), context);
        // Not sent away: five percent is repaired, not judged as a receiver that cannot keep up.
        var senderLog = ImagingLab.LogOf(sender, int.MaxValue);
        Assert.Contains("Multicasting image", senderLog);
        Assert.DoesNotContain("cannot keep up", senderLog);
        Assert.True(sent[1] == "Completed" && sent[2] == "3", context);
        Assert.True(sent[3] == results.Count(r => r.Role == "Receiver").ToString(CultureInfo.InvariantCulture), context);
        Assert.True(long.Parse(sent[5], CultureInfo.InvariantCulture) > 0, "the losses were repaired with repair symbols\n" + context);
        // The multicast carried the image: between the three machines the server served less than one image.
        var served = await rig.ImageBytesServedAsync();
        Assert.True(served < ImagingLab.ImageBytes, $"the server served {served} image bytes\n{context}");
    }

    [NetworkLabFact(Requires = ["lighttpd", "nft"])]
    public async Task A_slow_receiver_is_sent_to_the_server_and_the_others_do_not_wait_for_it()
    {
        using var rig = new ImagingLab();
        var sender = rig.AddMachine("sender");
        var nodes = new[] { rig.AddMachine("r1"), rig.AddMachine("r2"), rig.AddMachine("slow") };
        nodes[2].Host.SetRateLimit(3); // 3 MB/s arrive, the rest is dropped
        // At 8 MiB/s the fast two need about three seconds: long enough for the sender to judge the slow one.
        // The receivers listen before the sender starts (see the lossy case).
        var receivers = nodes.Select(node => rig.StartReceive(node, extra: "-ListenTime 00:00:30")).ToList();
        await rig.WaitUntilAsync(() => nodes.All(n => rig.StatusOf(n)?.State == "Listening"), Transfer, "the three receivers listen");
        var sending = rig.StartSend(sender, "-Linger 00:00:02 -MaxRate 8MB");

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
