using System.Net;
using PeerStorage.Core.Discovery.Browser;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;

namespace PeerStorage.Core.Tests.Discovery;

public sealed class RecordCacheTests
{
    private static readonly MdnsInterface Eth0 = new(2, "eth0", [IPAddress.Parse("10.0.0.1")], []);
    private static readonly DnsName Host = DnsName.Parse("alpha.local");
    private static TimeSpan Seconds(double s) => TimeSpan.FromSeconds(s);

    private static DnsRecord A(string address, uint ttl = 120, bool flush = true) =>
        new(Host, ttl, new AddressRecordData(IPAddress.Parse(address)), flush);

    [Fact]
    public void Records_live_for_their_ttl()
    {
        var cache = new MdnsRecordCache();
        cache.Add(A("10.0.0.5"), Eth0, Seconds(10));
        Assert.True(cache.Find(Host, DnsRecordType.A).Single().IsLive(Seconds(129)));
        Assert.False(cache.Purge(Seconds(129)));
        Assert.True(cache.Purge(Seconds(130)));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void A_goodbye_withdraws_a_record_at_once_and_drops_it_a_second_later()
    {
        var cache = new MdnsRecordCache();
        cache.Add(A("10.0.0.5"), Eth0, Seconds(0));
        cache.Add(A("10.0.0.5", ttl: 0), Eth0, Seconds(5));
        var entry = cache.Find(Host, DnsRecordType.A).Single();
        Assert.False(entry.IsLive(Seconds(5)));
        Assert.Equal(Seconds(6), entry.Expires);
        cache.Add(A("10.0.0.9", ttl: 0), Eth0, Seconds(5)); // a goodbye for something never cached adds nothing
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void A_cache_flush_record_retires_older_records_of_its_set_but_not_ones_from_the_same_second()
    {
        var cache = new MdnsRecordCache();
        cache.Add(A("10.0.0.5"), Eth0, Seconds(0));
        cache.Add(A("10.0.0.6"), Eth0, Seconds(10));
        cache.Add(A("10.0.0.7"), Eth0, Seconds(10.5)); // same announcement burst as .6

        var live = cache.Find(Host, DnsRecordType.A).Where(e => e.IsLive(Seconds(10.5))).Select(e => e.Record.Data.ToString());
        Assert.Equal(["10.0.0.6", "10.0.0.7"], live.Order());
    }

    [Fact]
    public void A_shared_record_without_the_flush_bit_retires_nothing()
    {
        var cache = new MdnsRecordCache();
        cache.Add(A("10.0.0.5", flush: false), Eth0, Seconds(0));
        cache.Add(A("10.0.0.6", flush: false), Eth0, Seconds(10));
        Assert.Equal(2, cache.Find(Host, DnsRecordType.A).Count(e => e.IsLive(Seconds(10))));
    }

    [Fact]
    public void Refresh_queries_fall_due_at_80_85_90_and_95_percent_of_the_ttl()
    {
        var cache = new MdnsRecordCache();
        cache.Add(A("10.0.0.5", ttl: 100), Eth0, Seconds(0));
        var entry = cache.Find(Host, DnsRecordType.A).Single();
        var due = new List<double>();
        for (var t = 0.0; t < 100; t += 0.1)
            if (entry.TakeRefresh(Seconds(t))) due.Add(t);
        Assert.Equal(4, due.Count);
        foreach (var (at, point) in due.Zip([80.0, 85, 90, 95])) Assert.InRange(at, point, point + 2.1);
    }

    [Fact]
    public void The_cache_is_bounded_and_evicts_what_expires_first()
    {
        var cache = new MdnsRecordCache(maxEntries: 3);
        cache.Add(A("10.0.0.1", ttl: 50, flush: false), Eth0, Seconds(0));
        cache.Add(A("10.0.0.2", ttl: 10, flush: false), Eth0, Seconds(0));
        cache.Add(A("10.0.0.3", ttl: 90, flush: false), Eth0, Seconds(0));
        cache.Add(A("10.0.0.4", ttl: 90, flush: false), Eth0, Seconds(0));
        Assert.Equal(3, cache.Count);
        Assert.DoesNotContain(cache.Find(Host, DnsRecordType.A), e => e.Record.Data.ToString() == "10.0.0.2");
    }

    [Fact]
    public void Known_answers_are_only_records_with_more_than_half_their_life_left()
    {
        var cache = new MdnsRecordCache();
        cache.Add(A("10.0.0.5", ttl: 100), Eth0, Seconds(0));
        var entry = cache.Find(Host, DnsRecordType.A).Single();
        Assert.True(entry.IsFreshEnoughForKnownAnswer(Seconds(49)));
        Assert.False(entry.IsFreshEnoughForKnownAnswer(Seconds(51)));
    }
}
