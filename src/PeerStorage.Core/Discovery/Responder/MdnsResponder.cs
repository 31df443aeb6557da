using System.Net.Sockets;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;
using Serilog;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>
/// The RFC 6762 responder for one service registration: probes for the host and instance names, renames on
/// conflict, announces, answers queries, defends its names, and says goodbye. Every method runs on the event loop.
/// </summary>
internal sealed class MdnsResponder
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);
    public const int ProbeCount = 3;
    public static readonly TimeSpan LostTieBreakDelay = TimeSpan.FromSeconds(1);
    // RFC 6762 §8.1: after 15 conflicts within 10 s, wait 5 s before each further probe.
    private const int ConflictBurst = 15;
    private static readonly TimeSpan ConflictWindow = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ConflictBackoff = TimeSpan.FromSeconds(5);
    // Announcements 1 s apart, then the interval doubles (RFC 6762 §8.3 asks for at least two).
    private static readonly TimeSpan[] AnnouncementGaps = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    private enum Phase { Idle, Probing, Announced, Stopped }

    private readonly MdnsEventLoop _loop;
    private readonly IMdnsTransport _transport;
    private readonly ResponseScheduler _responses;
    private readonly ILogger _log;
    private readonly Queue<TimeSpan> _recentConflicts = new();
    private ServiceRecordSet _records;
    private Phase _phase = Phase.Idle;
    private int _probesSent;
    private MdnsEventLoop.Timer? _probeTimer;
    private MdnsEventLoop.Timer? _announceTimer;
    private bool _announcingEverything;

    public MdnsResponder(ServiceRecordSet records, MdnsEventLoop loop, IMdnsTransport transport, ILogger log)
    {
        _records = records;
        _loop = loop;
        _transport = transport;
        _log = log;
        _responses = new ResponseScheduler(loop, transport);
    }

    /// <summary>Probing succeeded with these names (the first time, and again after each rename).</summary>
    public event Action<ServiceRecordSet>? Announced;

    public void Start()
    {
        if (_phase != Phase.Idle) return;
        StartProbing(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250))); // §8.1: a random start spreads hosts booting together
    }

    /// <summary>Sends goodbyes (TTL 0) for everything announced, then ignores the network.</summary>
    public void Stop()
    {
        if (_phase == Phase.Stopped) return;
        var wasAnnounced = _phase == Phase.Announced;
        _phase = Phase.Stopped;
        _probeTimer?.Cancel();
        _announceTimer?.Cancel();
        _responses.Clear();
        if (!wasAnnounced) return;
        ForEachLink((iface, family) =>
            _responses.SendNow(iface, family, _records.For(iface).Select(o => o.InResponse.WithTtl(0)).ToList()));
        _log.Debug("mDNS goodbye sent for {Instance}", _records.InstanceName);
    }

    public void UpdateTxt(TextRecordData txt)
    {
        _records = _records.WithTxt(txt);
        if (_phase == Phase.Announced) StartAnnouncing(onlyTxt: true);
    }

    /// <summary>Interfaces or addresses changed: tell the link (probing picks the change up by itself).</summary>
    public void OnInterfacesChanged()
    {
        if (_phase == Phase.Announced) StartAnnouncing(onlyTxt: false);
    }

    public void OnPacket(MdnsPacket packet)
    {
        switch (_phase)
        {
            case Phase.Probing when packet.Message.IsResponse:
                if (packet.IsValidResponse) CheckProbeConflict(packet);
                break;
            case Phase.Probing:
                CheckSimultaneousProbe(packet);
                break;
            case Phase.Announced when packet.Message.IsResponse:
                if (!packet.IsValidResponse) break;
                _responses.OnResponseSeen(packet);
                CheckAnnouncedConflict(packet);
                break;
            case Phase.Announced:
                Answer(packet);
                break;
        }
    }

    // ---- probing (RFC 6762 §8.1, §8.2)

    private void StartProbing(TimeSpan delay)
    {
        _phase = Phase.Probing;
        _probesSent = 0;
        _probeTimer?.Cancel();
        _announceTimer?.Cancel();
        _responses.Clear();
        _probeTimer = _loop.Schedule(delay, ProbeStep);
    }

    private void ProbeStep()
    {
        if (_phase != Phase.Probing) return;
        if (_probesSent == ProbeCount)
        {
            _log.Debug("mDNS names {Host} and {Instance} are ours", _records.HostName, _records.InstanceName);
            _phase = Phase.Announced;
            StartAnnouncing(onlyTxt: false);
            Announced?.Invoke(_records);
            return;
        }
        // Plain multicast questions, not QU: a unicast answer to port 5353 may land in another program's socket
        // when several mDNS stacks share the port on this host.
        var questions = new[]
        {
            new DnsQuestion(_records.HostName, DnsRecordType.ANY),
            new DnsQuestion(_records.InstanceName, DnsRecordType.ANY),
        };
        ForEachLink((iface, family) =>
        {
            var proposed = _records.For(iface).Where(o => o.IsUnique).Select(o => o.Record).ToList();
            _transport.SendMulticast(new DnsMessage { Questions = questions, Authorities = proposed }, iface, family);
        });
        _probesSent++;
        _probeTimer = _loop.Schedule(ProbeInterval, ProbeStep);
    }

    /// <summary>While probing, any answer from elsewhere that uses one of our names with other data means the name is taken.</summary>
    private void CheckProbeConflict(MdnsPacket packet)
    {
        var ours = AllOurRecords();
        var hostTaken = false;
        var instanceTaken = false;
        foreach (var record in packet.Message.AllRecords)
        {
            if (record.Ttl == 0 || ours.Contains(RecordIdentity.Of(record))) continue;
            if (record.Name == _records.HostName) hostTaken = true;
            else if (record.Name == _records.InstanceName) instanceTaken = true;
        }
        if (hostTaken || instanceTaken) Rename(hostTaken, instanceTaken, $"a response from {packet.Source}");
    }

    /// <summary>Another host probing for a name we are probing for: the lexicographically later proposal wins.</summary>
    private void CheckSimultaneousProbe(MdnsPacket packet)
    {
        var message = packet.Message;
        if (message.Authorities.Count == 0) return;
        foreach (var name in new[] { _records.HostName, _records.InstanceName })
        {
            if (!message.Questions.Any(q => q.Name == name)) continue;
            var theirs = message.Authorities.Where(r => r.Name == name).ToList();
            if (theirs.Count == 0) continue;
            var order = ProbeTieBreak.Compare(_records.UniqueRecordsNamed(name, packet.Interface), theirs);
            if (order >= 0) continue;
            _log.Debug("mDNS lost a simultaneous probe for {Name} to {Source}; probing again in 1 s", name, packet.Source);
            StartProbing(LostTieBreakDelay);
            return;
        }
    }

    /// <summary>After announcing, a response claiming one of our unique record sets with other data is a conflict (§9).</summary>
    private void CheckAnnouncedConflict(MdnsPacket packet)
    {
        var ours = AllOurRecords();
        foreach (var record in packet.Message.AllRecords)
        {
            if (record.Ttl == 0 || record.Type is not (DnsRecordType.A or DnsRecordType.AAAA or DnsRecordType.SRV or DnsRecordType.TXT)) continue;
            if (!_records.OwnsUniqueName(record.Name) || ours.Contains(RecordIdentity.Of(record))) continue;
            _log.Information("mDNS record {Record} from {Source} conflicts with ours; probing again", record, packet.Source);
            CountConflict();
            StartProbing(ConflictDelay());
            return;
        }
    }

    private void Rename(bool host, bool instance, string cause)
    {
        var before = _records;
        if (host) _records = _records.WithHost(ConflictRenaming.NextHostName(_records.HostLabel));
        if (instance) _records = _records.WithInstance(ConflictRenaming.NextInstanceName(_records.InstanceLabel));
        _log.Information("mDNS name conflict ({Cause}): {OldHost}/{OldInstance} becomes {NewHost}/{NewInstance}",
            cause, before.HostName, before.InstanceLabel, _records.HostName, _records.InstanceLabel);
        CountConflict();
        StartProbing(ConflictDelay());
    }

    private void CountConflict()
    {
        _recentConflicts.Enqueue(_loop.Now);
        while (_recentConflicts.Count > 0 && _loop.Now - _recentConflicts.Peek() > ConflictWindow) _recentConflicts.Dequeue();
    }

    private TimeSpan ConflictDelay() => _recentConflicts.Count >= ConflictBurst ? ConflictBackoff : TimeSpan.Zero;

    /// <summary>Ours on any interface: a multi-homed host hears its own records from another interface.</summary>
    private HashSet<RecordIdentity> AllOurRecords()
    {
        var ours = new HashSet<RecordIdentity>();
        foreach (var iface in _transport.Interfaces)
        {
            foreach (var owned in _records.For(iface)) ours.Add(RecordIdentity.Of(owned.Record));
            ours.Add(RecordIdentity.Of(_records.NsecFor(_records.HostName, iface).Record));
        }
        ours.Add(RecordIdentity.Of(_records.NsecFor(_records.InstanceName, _transport.Interfaces.FirstOrDefault() ?? EmptyInterface).Record));
        return ours;
    }

    private static readonly MdnsInterface EmptyInterface = new(0, "", [], []);

    // ---- announcing (§8.3, §8.4)

    private void StartAnnouncing(bool onlyTxt)
    {
        _announceTimer?.Cancel();
        // A TXT change during the first announcements restarts them in full rather than cutting them short.
        onlyTxt &= !_announcingEverything;
        _announcingEverything = !onlyTxt;
        Announce(onlyTxt, 0);
    }

    private void Announce(bool onlyTxt, int round)
    {
        if (_phase != Phase.Announced) return;
        if (round == AnnouncementGaps.Length) _announcingEverything = false;
        ForEachLink((iface, family) =>
        {
            var records = onlyTxt ? [_records.TxtRecord] : _records.For(iface);
            _responses.SendNow(iface, family, records.Select(o => o.InResponse).ToList());
        });
        if (round < AnnouncementGaps.Length)
            _announceTimer = _loop.Schedule(AnnouncementGaps[round], () => Announce(onlyTxt, round + 1));
    }

    // ---- answering (§5, §6, §7)

    private void Answer(MdnsPacket packet)
    {
        _responses.OnKnownAnswers(packet);
        if (packet.Message.Questions.Count == 0) return;
        var plan = QueryAnswerer.Plan(packet.Message, _records, packet.Interface);
        if (plan.IsEmpty) return;

        if (packet.IsLegacyUnicastQuery)
        {
            _transport.SendUnicast(LegacyReply(packet.Message, plan), packet.Source, packet.Interface);
            return;
        }
        if (!packet.SentToMulticastGroup)
        {
            _transport.SendUnicast(DnsMessage.Response(plan.Answers.Select(a => a.Record).ToList(), plan.Additionals), packet.Source, packet.Interface);
            return;
        }

        // QU: unicast what went out by multicast recently (the link has it); multicast the rest (§5.4).
        var family = packet.Source.AddressFamily;
        var unicast = plan.Answers
            .Where(a => a.UnicastRequested && _responses.MulticastWithin(packet.Interface, family, a.Record, TimeSpan.FromSeconds(a.Record.Ttl / 4.0)))
            .ToList();
        if (unicast.Count > 0)
            _transport.SendUnicast(DnsMessage.Response(unicast.Select(a => a.Record).ToList(), plan.Additionals), packet.Source, packet.Interface);
        var multicast = plan.Answers.Except(unicast).ToList();
        if (multicast.Count > 0)
            _responses.ScheduleMulticast(packet.Interface, family, plan, multicast, ResponseTiming.Delay(packet.Message, plan), packet.Source);
    }

    /// <summary>A plain DNS reply for a one-shot resolver: its id and question back, no cache-flush bits, TTLs of at most 10 s (§6.7).</summary>
    private static DnsMessage LegacyReply(DnsMessage query, AnswerPlan plan)
    {
        static DnsRecord Legacy(DnsRecord r) => r.WithCacheFlush(false).WithTtl(Math.Min(r.Ttl, 10));
        return new DnsMessage
        {
            Id = query.Id,
            IsResponse = true,
            Authoritative = true,
            Questions = query.Questions,
            Answers = plan.Answers.Select(a => Legacy(a.Record)).ToList(),
            Additionals = plan.Additionals.Select(Legacy).ToList(),
        };
    }

    private void ForEachLink(Action<MdnsInterface, AddressFamily> send)
    {
        foreach (var iface in _transport.Interfaces)
            foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
                if (iface.Has(family)) send(iface, family);
    }
}
