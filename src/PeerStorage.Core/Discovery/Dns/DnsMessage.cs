namespace PeerStorage.Core.Discovery.Dns;

/// <summary>
/// A DNS message. mDNS uses few header fields: the response bit, authoritative (set on every response), truncated
/// (more known answers follow), and an id that is zero except in replies to legacy unicast queries.
/// </summary>
public sealed record DnsMessage
{
    public ushort Id { get; init; }
    public bool IsResponse { get; init; }
    /// <summary>4 bits; mDNS ignores messages whose opcode is not 0.</summary>
    public byte Opcode { get; init; }
    public bool Authoritative { get; init; }
    public bool Truncated { get; init; }
    public bool RecursionDesired { get; init; }
    public bool RecursionAvailable { get; init; }
    /// <summary>4 bits; mDNS ignores messages whose response code is not 0.</summary>
    public byte ResponseCode { get; init; }

    public IReadOnlyList<DnsQuestion> Questions { get; init; } = [];
    public IReadOnlyList<DnsRecord> Answers { get; init; } = [];
    public IReadOnlyList<DnsRecord> Authorities { get; init; } = [];
    public IReadOnlyList<DnsRecord> Additionals { get; init; } = [];

    /// <summary>A query: the question and, as known answers, the records the asker already holds.</summary>
    public static DnsMessage Query(IReadOnlyList<DnsQuestion> questions, IReadOnlyList<DnsRecord>? knownAnswers = null) =>
        new() { Questions = questions, Answers = knownAnswers ?? [] };

    /// <summary>An mDNS response (authoritative, id 0, no questions).</summary>
    public static DnsMessage Response(IReadOnlyList<DnsRecord> answers, IReadOnlyList<DnsRecord>? additionals = null) =>
        new() { IsResponse = true, Authoritative = true, Answers = answers, Additionals = additionals ?? [] };

    /// <summary>Answer, authority and additional records, in order.</summary>
    public IEnumerable<DnsRecord> AllRecords => Answers.Concat(Authorities).Concat(Additionals);

    /// <summary>Encodes with name compression.</summary>
    public byte[] Encode() => DnsMessageWriter.Write(this);

    /// <summary>Decodes, throwing <see cref="DnsFormatException"/> (and nothing else) for malformed input.</summary>
    public static DnsMessage Decode(ReadOnlySpan<byte> packet) => DnsMessageReader.Read(packet);
}
