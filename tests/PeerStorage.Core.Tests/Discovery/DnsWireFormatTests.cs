using System.Net;
using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Tests.Discovery;

public sealed class DnsWireFormatTests
{
    private static readonly DnsName Service = DnsName.Parse("_peerstorage._tcp.local");
    private static readonly DnsName Instance = Service.Prepend("Alpha");
    private static readonly DnsName Host = DnsName.Parse("alpha.local");

    [Fact]
    public void A_QU_question_encodes_to_the_known_bytes()
    {
        var bytes = DnsMessage.Query([new DnsQuestion(Service, DnsRecordType.PTR, UnicastResponse: true)]).Encode();

        byte[] expected =
        [
            0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
            12, .. "_peerstorage"u8, 4, .. "_tcp"u8, 5, .. "local"u8, 0,
            0, 12, 0x80, 1,
        ];
        Assert.Equal(expected, bytes);
        var question = Assert.Single(DnsMessage.Decode(expected).Questions);
        Assert.True(question.UnicastResponse);
        Assert.Equal(DnsClass.IN, question.Class);
    }

    [Fact]
    public void A_response_compresses_the_pointer_target_against_the_owner_name()
    {
        var message = DnsMessage.Response([new DnsRecord(Service, 4500, new PointerRecordData(Instance))]);

        byte[] expected =
        [
            0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0,
            12, .. "_peerstorage"u8, 4, .. "_tcp"u8, 5, .. "local"u8, 0,
            0, 12, 0, 1, 0, 0, 0x11, 0x94, 0, 8,
            5, .. "Alpha"u8, 0xC0, 12,
        ];
        Assert.Equal(expected, message.Encode());
        var decoded = DnsMessage.Decode(expected);
        Assert.True(decoded.IsResponse && decoded.Authoritative);
        var record = Assert.Single(decoded.Answers);
        Assert.Equal(4500u, record.Ttl);
        Assert.Equal(Instance, ((PointerRecordData)record.Data).Target);
    }

    [Fact]
    public void Every_record_type_survives_a_round_trip_with_its_cache_flush_bit()
    {
        var records = new List<DnsRecord>
        {
            new(Service, 4500, new PointerRecordData(Instance)),
            new(Instance, 120, new ServiceRecordData(1, 2, 47000, Host), cacheFlush: true),
            new(Instance, 4500, TextRecordData.FromProperties([new("id", "abc"), new("fleet", ""), new("flag", null)]), cacheFlush: true),
            new(Host, 120, new AddressRecordData(IPAddress.Parse("10.231.1.2")), cacheFlush: true),
            new(Host, 120, new AddressRecordData(IPAddress.Parse("fe80::1")), cacheFlush: true),
            new(Host, 120, new NsecRecordData(Host, [DnsRecordType.A, DnsRecordType.AAAA, (DnsRecordType)1234]), cacheFlush: true),
            new(Host, 60, new OpaqueRecordData((DnsRecordType)13, [1, 2, 3])),
        };
        var message = new DnsMessage
        {
            Id = 0x1234, IsResponse = true, Authoritative = true, Truncated = true,
            Questions = [new DnsQuestion(Instance, DnsRecordType.ANY)],
            Answers = records[..3], Authorities = records[3..5], Additionals = records[5..],
        };

        var decoded = DnsMessage.Decode(message.Encode());

        Assert.Equal(0x1234, decoded.Id);
        Assert.True(decoded.Truncated);
        var all = decoded.AllRecords.ToList();
        Assert.Equal(records.Count, all.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.True(records[i].IsSameRecord(all[i]), $"{records[i]} came back as {all[i]}");
            Assert.Equal(records[i].CacheFlush, all[i].CacheFlush);
            Assert.Equal(records[i].Ttl, all[i].Ttl);
        }
        Assert.Equal([DnsRecordType.A, DnsRecordType.AAAA, (DnsRecordType)1234], ((NsecRecordData)all[5].Data).Types);
    }

    [Fact]
    public void Names_compare_case_insensitively_for_ascii_and_keep_dots_inside_instance_labels()
    {
        var instance = Service.Prepend("Lab PC 7.2 (2)");
        Assert.Equal(4, instance.Labels.Count);
        Assert.Equal(@"Lab PC 7\.2 (2)._peerstorage._tcp.local", instance.ToString());
        Assert.Equal(instance, DnsName.Parse(instance.ToString()));
        Assert.Equal(DnsName.Parse("ALPHA.Local"), Host);
        Assert.NotEqual(DnsName.Parse("Ä.local"), DnsName.Parse("ä.local"));
        Assert.True(instance.Parent == Service);
        var decoded = DnsMessage.Decode(DnsMessage.Response([new DnsRecord(instance, 1, new PointerRecordData(Host))]).Encode());
        Assert.Equal("Lab PC 7.2 (2)", decoded.Answers[0].Name.Labels[0]);
    }

    [Fact]
    public void Txt_pairs_follow_dns_sd_rules()
    {
        var txt = new TextRecordData([
            "id=abc"u8.ToArray(), "ID=ignored"u8.ToArray(), "flag"u8.ToArray(), "=novalue"u8.ToArray(), "empty="u8.ToArray(),
            "eq=a=b"u8.ToArray(),
        ]).ToProperties();

        Assert.Equal("abc", txt["id"]);       // the first occurrence of a key wins, case-insensitively
        Assert.Null(txt["flag"]);             // a bare key is a boolean attribute
        Assert.Equal("", txt["empty"]);
        Assert.Equal("a=b", txt["eq"]);
        Assert.Equal(4, txt.Count);           // a string starting with '=' is skipped
    }

    [Fact]
    public void An_empty_txt_record_is_one_empty_string_on_the_wire()
    {
        var bytes = DnsMessage.Response([new DnsRecord(Instance, 1, new TextRecordData([]))]).Encode();
        Assert.Equal([0, 1, 0], bytes[^3..]); // rdlength 1, then a zero-length string
        Assert.Empty(((TextRecordData)DnsMessage.Decode(bytes).Answers[0].Data).Strings);
    }

    [Fact]
    public void Names_longer_than_dns_allows_are_refused_when_built()
    {
        Assert.Throws<ArgumentException>(() => DnsName.FromLabels(new string('x', 64)));
        Assert.Throws<ArgumentException>(() => DnsName.FromLabels(Enumerable.Repeat(new string('x', 60), 5)));
        Assert.Throws<ArgumentException>(() => TextRecordData.FromProperties([new("bad=key", "v")]));
    }
}
