using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>
/// Known-answer suppression (RFC 6762 §7.1): a responder leaves out an answer the asker listed as known, provided
/// the asker's copy has at least half its lifetime left. The same rule drops a pending answer when another
/// responder has just sent it (duplicate answer suppression, §7.4).
/// </summary>
internal static class KnownAnswerSuppression
{
    public static bool IsSuppressed(DnsRecord answer, IEnumerable<DnsRecord> known) =>
        known.Any(k => k.IsSameRecord(answer) && (ulong)k.Ttl * 2 >= answer.Ttl);
}
