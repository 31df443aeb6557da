using System.Buffers.Binary;
using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Tests.Discovery;

/// <summary>Hand-made hostile packets: each must end in a DnsFormatException, quickly.</summary>
public sealed class DnsHostileInputTests
{
    private static byte[] Header(ushort questions = 0, ushort answers = 0, ushort authorities = 0, ushort additionals = 0)
    {
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), questions);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), answers);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), authorities);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), additionals);
        return header;
    }

    public static TheoryData<string, byte[]> Packets => new()
    {
        { "shorter than a header", [0, 0, 0] },
        { "a pointer to itself", [.. Header(questions: 1), 0xC0, 12, 0, 1, 0, 1] },
        { "two pointers to each other", [.. Header(questions: 1), 1, (byte)'a', 0xC0, 16, 0xC0, 12, 0, 1, 0, 1] },
        { "a pointer forward", [.. Header(questions: 1), 0xC0, 14, 0, 1, 0, 1, 0] },
        { "a pointer past the end", [.. Header(questions: 1), 0xFF, 0xFF, 0, 1, 0, 1] },
        { "a label longer than the packet", [.. Header(questions: 1), 40, (byte)'a', 0] },
        { "a reserved label type", [.. Header(questions: 1), 0x40, 0, 0, 1, 0, 1] },
        { "a name over 255 bytes", [.. Header(questions: 1), .. Enumerable.Repeat<byte[]>([50, .. new byte[50].Select(_ => (byte)'x')], 6).SelectMany(b => b), 0, 0, 1, 0, 1] },
        { "absurd counts", Header(65535, 65535, 65535, 65535) },
        { "a record cut short", [.. Header(answers: 1), 0, 0, 1, 0, 1, 0, 0] },
        { "record data past the end", [.. Header(answers: 1), 0, 0, 16, 0, 1, 0, 0, 0, 1, 0xFF, 0xFF, 3, 1, 2, 3] },
        { "an A record of 5 bytes", [.. Header(answers: 1), 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 5, 1, 2, 3, 4, 5] },
        { "a TXT string past its record", [.. Header(answers: 1), 0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 9, 1] },
        { "a PTR whose name overruns its length", [.. Header(answers: 1), 0, 0, 12, 0, 1, 0, 0, 0, 1, 0, 1, 1, (byte)'a', 0] },
        { "NSEC windows out of order", [.. Header(answers: 1), 0, 0, 47, 0, 1, 0, 0, 0, 1, 0, 7, 0, 1, 1, 0x40, 0, 1, 0x40] },
        { "an NSEC window of 33 bytes", [.. Header(answers: 1), 0, 0, 47, 0, 1, 0, 0, 0, 1, 0, 3, 0, 0, 33] },
        { "a label that is not UTF-8", [.. Header(questions: 1), 2, 0xC3, 0x28, 0, 0, 1, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(Packets))]
    public void Hostile_packets_fail_with_a_format_error(string what, byte[] packet)
    {
        var error = Assert.Throws<DnsFormatException>(() => DnsMessage.Decode(packet));
        Assert.False(string.IsNullOrEmpty(error.Message), what);
    }

    [Fact]
    public void A_long_backward_pointer_chain_is_bounded_by_the_name_length_limit()
    {
        // The chain hides in an unknown record's data; each link is a label pointing back at the previous link,
        // which is legal, so only the 255-byte name limit stops a name that starts at the last link.
        const int rdataStart = 12 + 11;
        var chain = new List<byte>();
        var previous = -1;
        for (var i = 0; i < 200; i++)
        {
            var offset = rdataStart + chain.Count;
            chain.AddRange([1, (byte)'a']);
            if (previous < 0) chain.Add(0);
            else chain.AddRange([(byte)(0xC0 | previous >> 8), (byte)previous]);
            previous = offset;
        }
        byte[] packet =
        [
            .. Header(answers: 2),
            0, 0, 99, 0, 1, 0, 0, 0, 0, (byte)(chain.Count >> 8), (byte)chain.Count, .. chain,
            (byte)(0xC0 | previous >> 8), (byte)previous, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4,
        ];
        var error = Assert.Throws<DnsFormatException>(() => DnsMessage.Decode(packet));
        Assert.Contains("255", error.Message);
    }
}
