using System.Net;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Responder;

namespace PeerStorage.Core.Tests.Discovery;

public sealed class ProbeTieBreakTests
{
    private static readonly DnsName Host = DnsName.Parse("clash.local");

    private static DnsRecord A(string address) => new(Host, 120, new AddressRecordData(IPAddress.Parse(address)));

    [Fact]
    public void The_lexicographically_later_data_wins()
    {
        Assert.True(ProbeTieBreak.Compare([A("10.0.0.9")], [A("10.0.0.2")]) > 0);
        Assert.True(ProbeTieBreak.Compare([A("10.0.0.2")], [A("10.0.0.9")]) < 0);
    }

    [Fact]
    public void Records_are_sorted_before_comparing_and_a_longer_equal_prefix_wins()
    {
        Assert.Equal(0, ProbeTieBreak.Compare([A("10.0.0.1"), A("10.0.0.2")], [A("10.0.0.2"), A("10.0.0.1")]));
        Assert.True(ProbeTieBreak.Compare([A("10.0.0.1"), A("10.0.0.2")], [A("10.0.0.1")]) > 0);
    }

    [Fact]
    public void Type_decides_before_data_and_identical_sets_are_no_conflict()
    {
        var aaaa = new DnsRecord(Host, 120, new AddressRecordData(IPAddress.Parse("fe80::1")));
        Assert.True(ProbeTieBreak.Compare([aaaa], [A("255.255.255.255")]) > 0); // AAAA (28) sorts after A (1)
        Assert.Equal(0, ProbeTieBreak.Compare([A("10.0.0.1")], [A("10.0.0.1").WithTtl(1).WithCacheFlush(true)]));
    }
}
