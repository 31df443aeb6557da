using System.Net;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;
using PeerStorage.Core.Discovery.Responder;

namespace PeerStorage.Core.Tests.Discovery;

public sealed class QueryAnswererTests
{
    private static readonly DnsName Service = DnsName.Parse("_peerstorage._tcp.local");
    private static readonly ServiceRecordSet Set = new(Service, "Alpha", "alpha", 47000, TextRecordData.FromProperties([new("id", "a")]));
    private static readonly MdnsInterface V4Only = new(2, "eth0", [IPAddress.Parse("10.231.1.2")], []);

    private static PointerRecordData PtrData => new(Set.InstanceName);

    [Fact]
    public void A_browse_query_gets_the_pointer_with_srv_txt_and_addresses_as_additional_records()
    {
        var plan = QueryAnswerer.Plan(DnsMessage.Query([new DnsQuestion(Service, DnsRecordType.PTR)]), Set, V4Only);

        var answer = Assert.Single(plan.Answers);
        Assert.Equal(DnsRecordType.PTR, answer.Record.Type);
        Assert.False(answer.Record.CacheFlush); // shared
        Assert.Equal(4500u, answer.Record.Ttl);
        Assert.Equal([DnsRecordType.SRV, DnsRecordType.TXT, DnsRecordType.A, DnsRecordType.NSEC], plan.Additionals.Select(r => r.Type));
        Assert.All(plan.Additionals, r => Assert.True(r.CacheFlush));
        Assert.Equal(120u, plan.Additionals.Single(r => r.Type == DnsRecordType.SRV).Ttl);
        Assert.Equal(4500u, plan.Additionals.Single(r => r.Type == DnsRecordType.TXT).Ttl);
        Assert.Equal(120u, plan.Additionals.Single(r => r.Type == DnsRecordType.A).Ttl);
        var nsec = (NsecRecordData)plan.Additionals.Single(r => r.Type == DnsRecordType.NSEC).Data;
        Assert.Equal([DnsRecordType.A], nsec.Types); // no AAAA on this interface
    }

    [Fact]
    public void A_known_answer_with_at_least_half_its_ttl_suppresses_the_answer()
    {
        var question = new DnsQuestion(Service, DnsRecordType.PTR);
        var fresh = new DnsRecord(Service, 2250, PtrData);
        var stale = new DnsRecord(Service, 2249, PtrData);

        Assert.True(QueryAnswerer.Plan(DnsMessage.Query([question], [fresh]), Set, V4Only).IsEmpty);
        Assert.Single(QueryAnswerer.Plan(DnsMessage.Query([question], [stale]), Set, V4Only).Answers);
    }

    [Fact]
    public void Known_answers_also_keep_additional_records_out()
    {
        var known = new DnsRecord(Set.InstanceName, 4500, Set.Txt);
        var plan = QueryAnswerer.Plan(DnsMessage.Query([new DnsQuestion(Service, DnsRecordType.PTR)], [known]), Set, V4Only);
        Assert.DoesNotContain(plan.Additionals, r => r.Type == DnsRecordType.TXT);
    }

    [Fact]
    public void A_question_for_a_type_our_name_lacks_gets_an_nsec()
    {
        var plan = QueryAnswerer.Plan(DnsMessage.Query([new DnsQuestion(Set.HostName, DnsRecordType.AAAA)]), Set, V4Only);
        var answer = Assert.Single(plan.Answers);
        Assert.Equal(DnsRecordType.NSEC, answer.Record.Type);
        Assert.False(((NsecRecordData)answer.Record.Data).Lists(DnsRecordType.AAAA));
    }

    [Fact]
    public void Questions_about_other_names_get_nothing()
    {
        Assert.True(QueryAnswerer.Plan(DnsMessage.Query([new DnsQuestion(DnsName.Parse("other.local"), DnsRecordType.A)]), Set, V4Only).IsEmpty);
        Assert.True(QueryAnswerer.Plan(DnsMessage.Query([new DnsQuestion(DnsName.Parse("_other._tcp.local"), DnsRecordType.PTR)]), Set, V4Only).IsEmpty);
    }

    [Fact]
    public void The_qu_bit_is_carried_per_answer_and_a_probe_is_recognised()
    {
        var probe = new DnsMessage
        {
            Questions = [new DnsQuestion(Set.HostName, DnsRecordType.ANY, UnicastResponse: true)],
            Authorities = [new DnsRecord(Set.HostName, 120, new AddressRecordData(IPAddress.Parse("10.231.1.9")))],
        };
        var plan = QueryAnswerer.Plan(probe, Set, V4Only);
        Assert.True(plan.IsProbe);
        Assert.True(plan.AllUnique);
        Assert.All(plan.Answers, a => Assert.True(a.UnicastRequested));
    }

    [Fact]
    public void Service_enumeration_lists_our_service_type()
    {
        var plan = QueryAnswerer.Plan(DnsMessage.Query([new DnsQuestion(ServiceRecordSet.ServiceEnumerationName, DnsRecordType.PTR)]), Set, V4Only);
        Assert.Equal(Service, ((PointerRecordData)Assert.Single(plan.Answers).Record.Data).Target);
    }
}
