using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>One answer to send, in response form, and whether its question asked for a unicast reply (QU).</summary>
internal sealed record PlannedAnswer(DnsRecord Record, bool IsUnique, bool UnicastRequested);

/// <summary>What a query deserves from us: answers, helpful additional records, and whether it was a probe.</summary>
internal sealed record AnswerPlan(IReadOnlyList<PlannedAnswer> Answers, IReadOnlyList<DnsRecord> Additionals, bool IsProbe)
{
    public bool IsEmpty => Answers.Count == 0;
    public bool AllUnique => Answers.All(a => a.IsUnique);
}
