using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Discovery.Browser;

/// <summary>
/// Builds the packets of one query: the questions with as many known answers as fit, and any remaining known
/// answers in follow-up packets, every packet but the last marked truncated (RFC 6762 §7.2).
/// </summary>
internal static class QueryPackets
{
    /// <summary>Keeps packets within a typical Ethernet payload, below the 9000 bytes mDNS allows.</summary>
    public const int TargetSize = 1400;

    public static List<DnsMessage> Build(IReadOnlyList<DnsQuestion> questions, IReadOnlyList<DnsRecord> knownAnswers)
    {
        var packets = new List<DnsMessage>();
        var current = DnsMessage.Query(questions);
        foreach (var answer in knownAnswers)
        {
            var grown = current with { Answers = [.. current.Answers, answer] };
            if (current.Answers.Count > 0 && grown.Encode().Length > TargetSize)
            {
                packets.Add(current with { Truncated = true });
                current = DnsMessage.Query([], [answer]);
            }
            else current = grown;
        }
        packets.Add(current);
        return packets;
    }
}
