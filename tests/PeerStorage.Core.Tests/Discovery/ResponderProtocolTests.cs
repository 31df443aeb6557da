using System.Net;
using PeerStorage.Core.Discovery;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;
using PeerStorage.Core.Discovery.Responder;

namespace PeerStorage.Core.Tests.Discovery;

/// <summary>The responder's protocol on a simulated link: probing, announcing, conflicts, answering, goodbyes.</summary>
public sealed class ResponderProtocolTests
{
    private static readonly DnsName Service = DnsName.Parse("_peerstorage._tcp.local");
    private static readonly IPEndPoint Querier = new(IPAddress.Parse("10.0.0.99"), InMemoryMdnsLink.Port);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static MdnsServiceAnnouncer Announcer(InMemoryMdnsLink link, int hostNumber, string instance, string host, int port = 47000) =>
        new(new MdnsServiceRegistration
        {
            InstanceName = instance, HostName = host, Port = port,
            Txt = new Dictionary<string, string?> { ["id"] = $"node-{hostNumber}" },
        }, link.Join(hostNumber), Serilog.Core.Logger.None);

    private static bool IsProbe(InMemoryMdnsLink.SentPacket p) => !p.Message.IsResponse && p.Message.Authorities.Count > 0;
    private static bool IsAnnouncement(InMemoryMdnsLink.SentPacket p) => p.Message.IsResponse && p.To is null && p.Message.Answers.Count > 3;

    [Fact]
    public async Task It_probes_three_times_250_ms_apart_then_announces_at_least_twice_one_second_apart()
    {
        var link = new InMemoryMdnsLink();
        await using var announcer = Announcer(link, 1, "Alpha", "alpha");
        await announcer.StartAsync();
        await announcer.WaitForAnnouncementAsync().WaitAsync(Patience);
        await BrowserProtocolTests.Eventually(() => link.Sent.Count(IsAnnouncement) >= 2, "the second announcement");

        // A loaded machine only makes a packet late, never early: gaps are bounded tightly below and loosely above.
        var probes = link.Sent.Where(IsProbe).ToList();
        Assert.Equal(3, probes.Count);
        Assert.All(probes, p => Assert.Equal(
            [DnsName.Parse("alpha.local"), Service.Prepend("Alpha")], p.Message.Questions.Select(q => q.Name)));
        Assert.All(probes, p => Assert.All(p.Message.Authorities, r => Assert.False(r.CacheFlush)));
        for (var i = 1; i < probes.Count; i++)
            Assert.InRange((probes[i].At - probes[i - 1].At).TotalMilliseconds, 200, 800);

        var announcements = link.Sent.Where(IsAnnouncement).ToList();
        Assert.True(announcements.Count >= 2);
        Assert.InRange((announcements[0].At - probes[^1].At).TotalMilliseconds, 200, 800);
        Assert.InRange((announcements[1].At - announcements[0].At).TotalMilliseconds, 900, 1800);
        var records = announcements[0].Message.Answers;
        Assert.All(records.Where(r => r.Type != DnsRecordType.PTR), r => Assert.True(r.CacheFlush));
        Assert.All(records.Where(r => r.Type == DnsRecordType.PTR), r => Assert.False(r.CacheFlush));
        Assert.Equal(120u, records.Single(r => r.Type == DnsRecordType.A).Ttl);
        Assert.Equal(120u, records.Single(r => r.Type == DnsRecordType.SRV).Ttl);
        Assert.Equal(4500u, records.Single(r => r.Type == DnsRecordType.TXT).Ttl);
        Assert.All(records.Where(r => r.Type == DnsRecordType.PTR), r => Assert.Equal(4500u, r.Ttl));
    }

    [Fact]
    public async Task Two_responders_starting_together_with_the_same_names_settle_on_distinct_ones()
    {
        var link = new InMemoryMdnsLink();
        await using var first = Announcer(link, 1, "Clash", "clash", 47001);
        await using var second = Announcer(link, 2, "Clash", "clash", 47002);
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        await Task.WhenAll(first.WaitForAnnouncementAsync(), second.WaitForAnnouncementAsync()).WaitAsync(Patience);
        await Task.Delay(1500); // the tie-break loser waits a second, then meets the winner's records and renames

        Assert.NotEqual(first.InstanceName, second.InstanceName);
        Assert.NotEqual(first.HostName, second.HostName);
        Assert.Equal(["Clash", "Clash (2)"], new[] { first.InstanceName, second.InstanceName }.Order());
        Assert.Equal(["clash-2.local", "clash.local"], new[] { first.HostName, second.HostName }.Order());
    }

    [Fact]
    public async Task A_late_responder_renames_itself_while_the_first_keeps_its_names()
    {
        var link = new InMemoryMdnsLink();
        await using var first = Announcer(link, 1, "Clash", "clash", 47001);
        await first.StartAsync();
        await first.WaitForAnnouncementAsync().WaitAsync(Patience);
        var renamedFirst = 0;
        first.Announced += (_, _) => renamedFirst++;

        await using var second = Announcer(link, 2, "Clash", "clash", 47002);
        await second.StartAsync();
        await second.WaitForAnnouncementAsync().WaitAsync(Patience);

        Assert.Equal(("Clash", "clash.local"), (first.InstanceName, first.HostName));
        Assert.Equal(("Clash (2)", "clash-2.local"), (second.InstanceName, second.HostName));
        Assert.Equal(0, renamedFirst);
    }

    [Fact]
    public async Task A_host_with_the_same_host_name_and_addresses_is_no_conflict()
    {
        // Two services of one machine (e.g. two processes) share its host records.
        var link = new InMemoryMdnsLink();
        var shared = link.Join(1);
        await using var one = new MdnsServiceAnnouncer(new MdnsServiceRegistration { InstanceName = "One", HostName = "box", Port = 1 }, shared, Serilog.Core.Logger.None);
        await one.StartAsync();
        await one.WaitForAnnouncementAsync().WaitAsync(Patience);
        await using var two = new MdnsServiceAnnouncer(new MdnsServiceRegistration { InstanceName = "Two", HostName = "box", Port = 2 }, shared, Serilog.Core.Logger.None);
        await two.StartAsync();
        await two.WaitForAnnouncementAsync().WaitAsync(Patience);
        Assert.Equal("box.local", two.HostName);
    }

    [Fact]
    public async Task Known_answers_suppress_answers_shared_answers_wait_and_a_record_goes_out_at_most_once_a_second()
    {
        var link = new InMemoryMdnsLink();
        await using var announcer = Announcer(link, 1, "Alpha", "alpha");
        await announcer.StartAsync();
        await announcer.WaitForAnnouncementAsync().WaitAsync(Patience);
        await Task.Delay(4100); // announcements go at 0, 1 and 3 s; then each record's one-second rate limit passes

        var srvQuestion = new DnsQuestion(Service.Prepend("Alpha"), DnsRecordType.SRV);
        var srv = new DnsRecord(Service.Prepend("Alpha"), 60, new ServiceRecordData(0, 0, 47000, DnsName.Parse("alpha.local")));
        var suppressed = link.Sent.Count;
        link.Inject(DnsMessage.Query([srvQuestion], [srv]), Querier); // the asker holds it with half its 120 s left
        var stale = link.Sent.Count;
        link.Inject(DnsMessage.Query([srvQuestion], [srv.WithTtl(59)]), Querier);
        var answer = await FirstResponseAfter(link, stale);
        Assert.Equal(DnsRecordType.SRV, Assert.Single(answer.Message.Answers).Type);
        Assert.Single(link.Sent.Skip(suppressed), p => p.Message.IsResponse); // only the stale query got one

        var ptrQuery = link.Sent.Count;
        link.Inject(DnsMessage.Query([new DnsQuestion(Service, DnsRecordType.PTR)]), Querier);
        var shared = await FirstResponseAfter(link, ptrQuery);
        Assert.Null(shared.To); // multicast
        Assert.Contains(shared.Message.Additionals, r => r.Type == DnsRecordType.SRV);
        Assert.True((shared.At - link.Sent[ptrQuery].At).TotalMilliseconds >= 19, "a shared answer waits 20-120 ms");

        // Asked again at once, it may not multicast the pointer again within a second: it answers when the second is up.
        var again = link.Sent.Count;
        link.Inject(DnsMessage.Query([new DnsQuestion(Service, DnsRecordType.PTR)]), new IPEndPoint(IPAddress.Parse("10.0.0.98"), InMemoryMdnsLink.Port));
        var held = await FirstResponseAfter(link, again);
        Assert.InRange((held.At - shared.At).TotalMilliseconds, 990, 2000);
    }

    [Fact]
    public void Unique_answers_go_at_once_shared_ones_after_20_to_120_ms_and_truncated_queries_wait_for_more_known_answers()
    {
        var set = new ServiceRecordSet(Service, "Alpha", "alpha", 1, new TextRecordData([]));
        var iface = new MdnsInterface(1, "eth0", [IPAddress.Parse("10.0.0.1")], []);
        var unique = DnsMessage.Query([new DnsQuestion(set.HostName, DnsRecordType.A)]);
        var shared = DnsMessage.Query([new DnsQuestion(Service, DnsRecordType.PTR)]);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(TimeSpan.Zero, ResponseTiming.Delay(unique, QueryAnswerer.Plan(unique, set, iface)));
            Assert.InRange(ResponseTiming.Delay(shared, QueryAnswerer.Plan(shared, set, iface)).TotalMilliseconds, 20, 120);
            Assert.InRange(ResponseTiming.Delay(shared with { Truncated = true }, QueryAnswerer.Plan(shared, set, iface)).TotalMilliseconds, 400, 500);
        }
    }

    private static async Task<InMemoryMdnsLink.SentPacket> FirstResponseAfter(InMemoryMdnsLink link, int index)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var response = link.Sent.Skip(index).FirstOrDefault(p => p.Message.IsResponse);
            if (response is not null) return response;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("No response.");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_qu_question_for_a_record_just_multicast_is_answered_by_unicast()
    {
        var link = new InMemoryMdnsLink();
        await using var announcer = Announcer(link, 1, "Alpha", "alpha");
        await announcer.StartAsync();
        await announcer.WaitForAnnouncementAsync().WaitAsync(Patience);

        var before = link.Sent.Count;
        link.Inject(DnsMessage.Query([new DnsQuestion(Service.Prepend("Alpha"), DnsRecordType.SRV, UnicastResponse: true)]), Querier);
        var reply = await FirstResponseAfter(link, before);
        Assert.Equal(Querier.Address, reply.To!.Address);
        Assert.Equal(DnsRecordType.SRV, Assert.Single(reply.Message.Answers).Type);
    }

    [Fact]
    public async Task A_legacy_unicast_query_gets_a_plain_dns_reply_with_its_id_and_short_ttls()
    {
        var link = new InMemoryMdnsLink();
        await using var announcer = Announcer(link, 1, "Alpha", "alpha");
        await announcer.StartAsync();
        await announcer.WaitForAnnouncementAsync().WaitAsync(Patience);

        var resolver = new IPEndPoint(IPAddress.Parse("10.0.0.77"), 40000);
        var before = link.Sent.Count;
        link.Inject(new DnsMessage { Id = 0xBEEF, Questions = [new DnsQuestion(Service, DnsRecordType.PTR)] }, resolver, IPAddress.Parse("10.0.0.1"));

        var reply = (await FirstResponseAfter(link, before)).Message;
        Assert.Equal(0xBEEF, reply.Id);
        Assert.Equal(Service, Assert.Single(reply.Questions).Name);
        Assert.All(reply.AllRecords, r => Assert.True(r.Ttl <= 10 && !r.CacheFlush));
    }

    [Fact]
    public async Task A_txt_update_is_announced_and_stopping_sends_goodbyes()
    {
        var link = new InMemoryMdnsLink();
        var announcer = Announcer(link, 1, "Alpha", "alpha");
        await announcer.StartAsync();
        await announcer.WaitForAnnouncementAsync().WaitAsync(Patience);
        await Task.Delay(3600); // past the first announcements (0, 1 and 3 s)

        var before = link.Sent.Count;
        await announcer.UpdateTxtAsync(new Dictionary<string, string?> { ["id"] = "node-1", ["cap"] = "4096" });
        var txt = (await FirstResponseAfter(link, before)).Message.Answers.Single();
        Assert.Equal("4096", ((TextRecordData)txt.Data).ToProperties()["cap"]);
        Assert.True(txt.CacheFlush);

        before = link.Sent.Count;
        await announcer.StopAsync();
        var goodbye = Assert.Single(link.Sent.Skip(before), p => p.Message.Answers.All(r => r.Ttl == 0)).Message;
        Assert.True(goodbye.IsResponse);
        Assert.All(goodbye.Answers, r => Assert.Equal(0u, r.Ttl));
        Assert.Contains(goodbye.Answers, r => r.Type == DnsRecordType.PTR && r.Name == Service);
    }

    [Fact]
    public async Task A_conflicting_answer_after_announcing_makes_it_probe_again_and_rename()
    {
        var link = new InMemoryMdnsLink();
        await using var announcer = Announcer(link, 1, "Alpha", "alpha");
        await announcer.StartAsync();
        await announcer.WaitForAnnouncementAsync().WaitAsync(Patience);

        var renamed = new TaskCompletionSource();
        announcer.Announced += (_, _) => renamed.TrySetResult();
        // Another host claims our instance name for its own service, and keeps defending it.
        var intruder = new DnsRecord(Service.Prepend("Alpha"), 120, new ServiceRecordData(0, 0, 1, DnsName.Parse("intruder.local")), cacheFlush: true);
        var defend = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!defend.IsCancellationRequested)
            {
                link.Inject(DnsMessage.Response([intruder]), Querier);
                await Task.Delay(100);
            }
        });
        await renamed.Task.WaitAsync(Patience);
        defend.Cancel();
        Assert.Equal("Alpha (2)", announcer.InstanceName);
        Assert.Equal("alpha.local", announcer.HostName);
    }
}
