using System.Net.Sockets;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>
/// Decides which of our records answer a query arriving on an interface: matching records minus known answers,
/// an NSEC when a name of ours lacks the asked type (RFC 6762 §6.1), and the additional records DNS-SD clients need
/// to avoid a second round trip (RFC 6763 §12: SRV, TXT and addresses after a PTR; addresses after an SRV).
/// </summary>
internal static class QueryAnswerer
{
    public static AnswerPlan Plan(DnsMessage query, ServiceRecordSet set, MdnsInterface iface)
    {
        var owned = set.For(iface);
        var known = query.Answers;
        var answers = new Dictionary<RecordIdentity, PlannedAnswer>();
        foreach (var question in query.Questions)
        {
            if (question.Class is not (DnsClass.IN or DnsClass.ANY)) continue;
            var matches = owned.Where(o => question.IsAnsweredBy(o.Record)).ToList();
            if (matches.Count == 0 && question.Type != DnsRecordType.ANY && set.OwnsUniqueName(question.Name))
                matches.Add(set.NsecFor(question.Name, iface));
            foreach (var match in matches)
            {
                if (KnownAnswerSuppression.IsSuppressed(match.Record, known)) continue;
                var key = RecordIdentity.Of(match.Record);
                // Asked twice, once without QU: the multicast wish wins, since others on the link benefit too.
                var unicast = question.UnicastResponse && (!answers.TryGetValue(key, out var earlier) || earlier.UnicastRequested);
                answers[key] = new PlannedAnswer(match.InResponse, match.IsUnique, unicast);
            }
        }
        var additionals = Additionals(answers.Values.Select(a => a.Record), set, iface, owned)
            .Where(r => !answers.ContainsKey(RecordIdentity.Of(r)) && !KnownAnswerSuppression.IsSuppressed(r, known))
            .DistinctBy(RecordIdentity.Of)
            .ToList();
        var isProbe = query.Authorities.Count > 0 && query.Questions.Any(q => set.OwnsUniqueName(q.Name));
        return new AnswerPlan(answers.Values.ToList(), additionals, isProbe);
    }

    private static IEnumerable<DnsRecord> Additionals(IEnumerable<DnsRecord> answers, ServiceRecordSet set, MdnsInterface iface, IReadOnlyList<OwnedRecord> owned)
    {
        foreach (var answer in answers)
        {
            if (answer.Type == DnsRecordType.PTR && answer.Data is PointerRecordData p && p.Target == set.InstanceName)
            {
                foreach (var r in owned.Where(o => o.Record.Name == set.InstanceName)) yield return r.InResponse;
                foreach (var r in HostAddresses(set, iface)) yield return r;
            }
            else if (answer.Type == DnsRecordType.SRV)
            {
                foreach (var r in HostAddresses(set, iface)) yield return r;
            }
            else if (answer.Type is DnsRecordType.A or DnsRecordType.AAAA)
            {
                // RFC 6762 §6.2: with one address family, give the other one too (or its absence).
                foreach (var r in HostAddresses(set, iface)) yield return r;
            }
        }
    }

    /// <summary>The host's address records, plus an NSEC when it lacks IPv4 or IPv6 on this interface.</summary>
    private static IEnumerable<DnsRecord> HostAddresses(ServiceRecordSet set, MdnsInterface iface)
    {
        foreach (var r in set.AddressRecords(iface)) yield return r.InResponse;
        if (!iface.Has(AddressFamily.InterNetwork) || !iface.Has(AddressFamily.InterNetworkV6))
            yield return set.NsecFor(set.HostName, iface).InResponse;
    }
}
