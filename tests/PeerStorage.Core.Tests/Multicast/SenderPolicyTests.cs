using System.Net;
using PeerStorage.Core.Multicast.Protocol;
using PeerStorage.Core.Multicast.Session;

namespace PeerStorage.Core.Tests.Multicast;

/// <summary>The sender's decisions: what a pass sends after NAKs, how the rate moves, and whom it sends away.</summary>
public sealed class SenderPolicyTests
{
    private const int K = 47;

    [Fact]
    public void Naks_for_one_block_send_as_many_repairs_as_the_neediest_receiver_asked_for()
    {
        var work = new SendWork(100);
        work.Need(7, 3, K, seenSequence: 10);
        work.Need(7, 5, K, seenSequence: 10); // a second receiver lost more of the same block
        work.Need(9, K, K, seenSequence: 10); // a third lost block 9 entirely
        var jobs = new SendJob[8];
        var n = work.Take(jobs, jobs.Length);
        Assert.Equal([new SendJob(7, 5, Whole: false), new SendJob(9, 0, Whole: true)], jobs[..n]);
        Assert.True(work.IsEmpty);
    }

    [Fact]
    public void A_nak_sent_before_the_receiver_saw_the_repairs_already_sent_is_ignored()
    {
        var work = new SendWork(100);
        work.Need(3, 2, K, seenSequence: 50);
        var jobs = new SendJob[4];
        Assert.Equal(1, work.Take(jobs, 4));
        work.RepairSent(3, sequence: 120); // the last repair for block 3 left as packet 120
        work.Need(3, 2, K, seenSequence: 100); // written before packet 120 arrived
        Assert.True(work.IsEmpty);
        work.Need(3, 1, K, seenSequence: 130); // after: it still lacks one
        Assert.Equal(1, work.Take(jobs, 4));
        Assert.Equal(new SendJob(3, 1, Whole: false), jobs[0]);
    }

    [Fact]
    public void Whole_blocks_go_in_block_order_and_once_each()
    {
        var work = new SendWork(100);
        foreach (var block in new[] { 40, 2, 17, 2, 40 }) work.Need(block, K, K, 0);
        var jobs = new SendJob[10];
        var n = work.Take(jobs, jobs.Length);
        Assert.Equal([2, 17, 40], jobs[..n].Select(j => j.Block));
    }

    [Fact]
    public void The_rate_grows_while_receivers_lose_nothing_and_falls_when_the_typical_one_loses_much()
    {
        var rate = new RateController(64e6, 1e9);
        var receivers = Receivers(0, 0, 0);
        var now = DateTime.UtcNow;
        for (var i = 0; i < 8; i++) rate.Tick(receivers, now);
        Assert.True(rate.Rate > 64e6 * 1.5, $"{rate.Rate}");
        var before = rate.Rate;
        foreach (var r in receivers) r.Loss = 0.2;
        rate.Tick(receivers, now);
        Assert.True(rate.Rate < before * 0.8, $"{rate.Rate}");
    }

    [Fact]
    public void One_lossy_receiver_neither_slows_the_others_nor_is_sent_away_while_it_keeps_up_but_a_far_slower_one_is()
    {
        var rate = new RateController(64e6, 1e9);
        var receivers = Receivers(0, 0, 0.05);
        var start = DateTime.UtcNow;
        for (var t = 0; t < 30; t++) Assert.Empty(rate.Tick(receivers, start.AddMilliseconds(100 * t)));
        Assert.True(rate.Rate > 64e6 * 2, "five percent loss at one receiver must not hold the rate down");

        receivers[2].Loss = 0.9;
        Assert.Empty(rate.Tick(receivers, start.AddSeconds(10)));
        Assert.Empty(rate.Tick(receivers, start.AddSeconds(10.5)));
        Assert.Equal([receivers[2]], rate.Tick(receivers, start + TimeSpan.FromSeconds(10) + RateController.EvictAfter));
    }

    [Fact]
    public void A_single_receiver_sets_the_pace_and_is_never_sent_away()
    {
        var rate = new RateController(64e6, 1e9);
        var receivers = Receivers(0.9);
        var start = DateTime.UtcNow;
        for (var t = 0; t < 50; t++) Assert.Empty(rate.Tick(receivers, start.AddMilliseconds(100 * t)));
        Assert.Equal(RateController.MinRate, rate.Rate);
    }

    private static List<TrackedReceiver> Receivers(params double[] losses) =>
        [.. losses.Select((loss, i) => new TrackedReceiver(Enumerable.Repeat((byte)i, 32).ToArray(), IPAddress.Loopback) { State = ReceiverState.Receiving, Loss = loss })];
}
