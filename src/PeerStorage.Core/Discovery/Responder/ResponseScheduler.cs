using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>
/// Sends multicast responses per interface and address family, aggregating answers that come due together
/// (RFC 6762 §6.3), holding each record back until a second has passed since it last went out (a quarter second
/// when defending a name against a probe, §6), dropping answers that another responder sent first (§7.4) or that the askers turn out to know
/// (known answers spread over several packets, §7.2). Runs on the responder's event loop.
/// </summary>
internal sealed class ResponseScheduler(MdnsEventLoop loop, IMdnsTransport transport)
{
    public static readonly TimeSpan MulticastRateLimit = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ProbeDefenseRateLimit = TimeSpan.FromMilliseconds(250);

    private readonly Dictionary<(int Interface, AddressFamily Family), PendingResponse> _pending = [];
    private readonly Dictionary<(int Interface, AddressFamily Family, RecordIdentity Record), TimeSpan> _lastMulticast = [];

    /// <summary>Queues answers for a multicast response after <paramref name="delay"/>, joining one already pending.</summary>
    public void ScheduleMulticast(MdnsInterface iface, AddressFamily family, AnswerPlan plan, IEnumerable<PlannedAnswer> answers,
        TimeSpan delay, IPEndPoint requester)
    {
        var key = (iface.Index, family);
        if (!_pending.TryGetValue(key, out var pending))
            _pending[key] = pending = new PendingResponse(iface, family);
        foreach (var answer in answers) pending.AddAnswer(answer.Record, requester);
        foreach (var additional in plan.Additionals) pending.Additionals[RecordIdentity.Of(additional)] = additional;
        pending.ProbeDefense |= plan.IsProbe;
        var due = loop.Now + delay;
        if (pending.Timer is not null && pending.Due <= due) return;
        pending.Timer?.Cancel();
        pending.Due = due;
        pending.Timer = loop.Schedule(delay, () => Flush(key));
    }

    /// <summary>True when the record went out by multicast on this interface within <paramref name="within"/>.</summary>
    public bool MulticastWithin(MdnsInterface iface, AddressFamily family, DnsRecord record, TimeSpan within) =>
        _lastMulticast.TryGetValue((iface.Index, family, RecordIdentity.Of(record)), out var at) && loop.Now - at < within;

    /// <summary>Multicasts at once (announcements, goodbyes), recording when each record went out.</summary>
    public void SendNow(MdnsInterface iface, AddressFamily family, IReadOnlyList<DnsRecord> answers, IReadOnlyList<DnsRecord>? additionals = null)
    {
        if (answers.Count == 0) return;
        transport.SendMulticast(DnsMessage.Response(answers, additionals), iface, family);
        foreach (var record in answers) _lastMulticast[(iface.Index, family, RecordIdentity.Of(record))] = loop.Now;
    }

    /// <summary>A query's known answers withdraw that asker's interest in matching pending answers.</summary>
    public void OnKnownAnswers(MdnsPacket query)
    {
        if (query.Message.Answers.Count == 0 ||
            !_pending.TryGetValue((query.Interface.Index, query.Source.AddressFamily), out var pending)) return;
        foreach (var (id, entry) in pending.Answers.ToList())
            if (KnownAnswerSuppression.IsSuppressed(entry.Record, query.Message.Answers))
            {
                entry.Requesters.Remove(query.Source);
                if (entry.Requesters.Count == 0) pending.Answers.Remove(id);
            }
    }

    /// <summary>Another responder's answer makes our identical pending one redundant.</summary>
    public void OnResponseSeen(MdnsPacket response)
    {
        if (!_pending.TryGetValue((response.Interface.Index, response.Source.AddressFamily), out var pending)) return;
        foreach (var (id, entry) in pending.Answers.ToList())
            if (KnownAnswerSuppression.IsSuppressed(entry.Record, response.Message.Answers))
                pending.Answers.Remove(id);
    }

    /// <summary>Forgets everything pending (after a rename, or when stopping).</summary>
    public void Clear()
    {
        foreach (var pending in _pending.Values) pending.Timer?.Cancel();
        _pending.Clear();
    }

    /// <summary>
    /// Sends what is due. Answers still inside their rate limit are not dropped but held until the limit ends, so
    /// an asker that missed the last multicast gets its answer within a second rather than at its next query.
    /// </summary>
    private void Flush((int Interface, AddressFamily Family) key)
    {
        if (!_pending.Remove(key, out var pending)) return;
        var limit = pending.ProbeDefense ? ProbeDefenseRateLimit : MulticastRateLimit;
        var ready = new List<DnsRecord>();
        var heldUntil = TimeSpan.MaxValue;
        foreach (var (record, requesters) in pending.Answers.Values)
        {
            if (!_lastMulticast.TryGetValue((pending.Interface.Index, pending.Family, RecordIdentity.Of(record)), out var last) || loop.Now - last >= limit)
            {
                ready.Add(record);
                continue;
            }
            var held = Hold(key, pending);
            foreach (var requester in requesters) held.AddAnswer(record, requester);
            if (last + limit < heldUntil) heldUntil = last + limit;
        }
        if (_pending.TryGetValue(key, out var holding) && holding.Timer is null)
        {
            holding.Due = heldUntil;
            holding.Timer = loop.Schedule(heldUntil - loop.Now, () => Flush(key));
        }
        if (ready.Count == 0) return;
        var answerIds = ready.Select(RecordIdentity.Of).ToHashSet();
        var additionals = pending.Additionals.Where(a => !answerIds.Contains(a.Key)).Select(a => a.Value).ToList();
        SendNow(pending.Interface, pending.Family, ready, additionals);
    }

    private PendingResponse Hold((int Interface, AddressFamily Family) key, PendingResponse from)
    {
        if (!_pending.TryGetValue(key, out var held))
        {
            _pending[key] = held = new PendingResponse(from.Interface, from.Family) { ProbeDefense = from.ProbeDefense };
            foreach (var (id, additional) in from.Additionals) held.Additionals[id] = additional;
        }
        return held;
    }

    private sealed class PendingResponse(MdnsInterface iface, AddressFamily family)
    {
        public MdnsInterface Interface { get; } = iface;
        public AddressFamily Family { get; } = family;
        public Dictionary<RecordIdentity, (DnsRecord Record, HashSet<IPEndPoint> Requesters)> Answers { get; } = [];
        public Dictionary<RecordIdentity, DnsRecord> Additionals { get; } = [];
        public bool ProbeDefense { get; set; }
        public TimeSpan Due { get; set; }
        public MdnsEventLoop.Timer? Timer { get; set; }

        public void AddAnswer(DnsRecord record, IPEndPoint requester)
        {
            var id = RecordIdentity.Of(record);
            if (!Answers.TryGetValue(id, out var entry)) Answers[id] = entry = (record, []);
            entry.Requesters.Add(requester);
        }
    }
}
