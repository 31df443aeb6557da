using System.Net.Sockets;
using PeerStorage.Core.Discovery.Browser;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;
using Serilog;

namespace PeerStorage.Core.Discovery;

/// <summary>
/// Browses the local link for DNS-SD instances of one service type (RFC 6762/6763) on every up, multicast-capable
/// interface over IPv4 and IPv6. It asks at growing intervals (1 s, 2 s, 4 s… up to an hour) listing what it knows,
/// keeps a TTL cache that it refreshes before records expire, resolves SRV, TXT and addresses, and raises
/// <see cref="PeerAdded"/>, <see cref="PeerUpdated"/> and <see cref="PeerRemoved"/> (on goodbye or expiry).
/// Events are raised on the browser's own thread: handlers should be quick.
/// </summary>
/// <example>
/// <code>
/// var peers = await MdnsBrowser.BrowseAsync(TimeSpan.FromSeconds(2), logger: log, cancellationToken: ct);
/// </code>
/// </example>
public sealed class MdnsBrowser : IAsyncDisposable
{
    private static readonly TimeSpan ResolveRetryCap = TimeSpan.FromSeconds(60);

    private readonly DnsName _serviceName;
    private readonly IMdnsTransport _transport;
    private readonly MdnsEventLoop _loop;
    private readonly ILogger _log;
    private readonly MdnsRecordCache _cache = new();
    private readonly QueryBackoff _backoff = new();
    private readonly Dictionary<string, DiscoveredPeer> _peers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (TimeSpan NextAllowed, TimeSpan Interval)> _resolveAttempts = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<DiscoveredPeer> _snapshot = [];
    private MdnsEventLoop.Timer? _queryTimer;
    private MdnsEventLoop.Timer? _maintenanceTimer;
    private int _state; // 0 created, 1 started, 2 stopped

    /// <param name="serviceType">"_name._tcp"; PeerStorage nodes by default.</param>
    /// <param name="options">Port and interfaces; the defaults are standard mDNS.</param>
    /// <param name="logger">Where protocol events go (malformed packets at Debug); silent when null.</param>
    public MdnsBrowser(string serviceType = PeerStorageService.ServiceType, MdnsOptions? options = null, ILogger? logger = null)
        : this(serviceType, new MdnsSocketTransport(options ?? new MdnsOptions(), MdnsServiceAnnouncer.Quiet(logger)), MdnsServiceAnnouncer.Quiet(logger))
    {
    }

    internal MdnsBrowser(string serviceType, IMdnsTransport transport, ILogger log)
    {
        _serviceName = DnsName.FromLabels([.. DnsName.Parse(serviceType).Labels, "local"]);
        _transport = transport;
        _log = log.ForContext<MdnsBrowser>();
        _loop = new MdnsEventLoop(_log);
        _transport.PacketReceived += packet => _loop.TryPostPacket(() => OnPacket(packet));
        _transport.InterfacesChanged += () => _loop.Post(OnInterfacesChanged);
    }

    public event EventHandler<DiscoveredPeerEventArgs>? PeerAdded;
    public event EventHandler<DiscoveredPeerEventArgs>? PeerUpdated;
    public event EventHandler<DiscoveredPeerEventArgs>? PeerRemoved;

    /// <summary>The peers known now.</summary>
    public IReadOnlyList<DiscoveredPeer> Peers => _snapshot;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("The browser was started already.");
        await MdnsStartup.StartTransportAsync(_transport, () => _state = 2, cancellationToken).ConfigureAwait(false);
        _loop.Start();
        // RFC 6762 §5.2: the first query goes after 20–120 ms, so hosts starting together do not ask in unison.
        _loop.Post(() => _queryTimer = _loop.Schedule(TimeSpan.FromMilliseconds(Random.Shared.Next(20, 121)), QueryStep));
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) == 2) return;
        await _transport.DisposeAsync().ConfigureAwait(false);
        await _loop.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Browses for <paramref name="timeout"/> and returns every peer found.</summary>
    public static async Task<IReadOnlyList<DiscoveredPeer>> BrowseAsync(TimeSpan timeout, MdnsOptions? options = null, ILogger? logger = null,
        string serviceType = PeerStorageService.ServiceType, CancellationToken cancellationToken = default)
    {
        await using var browser = new MdnsBrowser(serviceType, options, logger);
        await browser.StartAsync(cancellationToken).ConfigureAwait(false);
        await Task.Delay(timeout, cancellationToken).ConfigureAwait(false);
        return browser.Peers;
    }

    // ---- everything below runs on the event loop

    private void QueryStep()
    {
        var question = new DnsQuestion(_serviceName, DnsRecordType.PTR);
        foreach (var iface in _transport.Interfaces)
        {
            var known = _cache.Find(_serviceName, DnsRecordType.PTR, iface.Index)
                .Where(e => e.IsFreshEnoughForKnownAnswer(_loop.Now))
                .Select(e => e.Record.WithTtl(e.RemainingTtl(_loop.Now)))
                .ToList();
            SendQuery(iface, [question], known);
        }
        _queryTimer = _loop.Schedule(_backoff.Next(), QueryStep);
    }

    private void OnInterfacesChanged()
    {
        if (_state != 1) return;
        _queryTimer?.Cancel();
        _backoff.Reset();
        _queryTimer = _loop.Schedule(TimeSpan.FromMilliseconds(Random.Shared.Next(20, 121)), QueryStep);
    }

    private void OnPacket(MdnsPacket packet)
    {
        if (!packet.IsValidResponse) return;
        var now = _loop.Now;
        var records = packet.Message.Answers.Concat(packet.Message.Additionals).ToList();
        // Services first, then the addresses of the hosts they name, so the cache holds only what browsing needs.
        foreach (var record in records.Where(IsServiceRecord)) _cache.Add(record, packet.Interface, now);
        foreach (var record in records.Where(r => r.Type is DnsRecordType.A or DnsRecordType.AAAA && IsWantedHost(r.Name)))
            _cache.Add(record, packet.Interface, now);
        Reconcile();
    }

    private bool IsServiceRecord(DnsRecord record) => record.Type switch
    {
        DnsRecordType.PTR => record.Name == _serviceName,
        DnsRecordType.SRV or DnsRecordType.TXT => record.Name.Parent == _serviceName && record.Name.Labels.Count > 0,
        _ => false,
    };

    private bool IsWantedHost(DnsName host) =>
        _cache.All.Any(e => e.Record.Data is ServiceRecordData s && s.Target == host);

    private void Maintain()
    {
        var now = _loop.Now;
        var refresh = _cache.All.Where(e => e.TakeRefresh(now)).ToList();
        foreach (var group in refresh.GroupBy(e => e.Interface.Index))
        {
            var questions = group.Select(e => new DnsQuestion(e.Record.Name, e.Record.Type)).Distinct().ToList();
            SendQuery(group.First().Interface, questions, []);
        }
        _cache.Purge(now);
        Reconcile();
    }

    /// <summary>Rebuilds the peer list from the cache, raises events for the differences, asks for what is missing.</summary>
    private void Reconcile()
    {
        var now = _loop.Now;
        var (peers, missing) = PeerAssembler.Assemble(_cache, _serviceName, now);
        var current = peers.ToDictionary(p => p.FullName, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, old) in _peers.ToList())
            if (!current.ContainsKey(name))
            {
                _peers.Remove(name);
                Raise(PeerRemoved, old, "removed");
            }
        foreach (var (name, peer) in current)
        {
            if (!_peers.TryGetValue(name, out var old)) Raise(PeerAdded, peer, "added");
            else if (!old.HasSameContentAs(peer)) Raise(PeerUpdated, peer, "updated");
            _peers[name] = peer;
        }
        _snapshot = _peers.Values.ToList();
        var stillMissing = missing.Select(m => m.Name.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _resolveAttempts.Keys.Where(k => !stillMissing.Contains(k)).ToList()) _resolveAttempts.Remove(key);
        foreach (var need in missing) Resolve(need, now);
        ScheduleMaintenance();
    }

    /// <summary>Asks for missing SRV/TXT or addresses, backing off per name while nobody answers.</summary>
    private void Resolve(MissingRecords need, TimeSpan now)
    {
        var key = need.Name.Key;
        if (_resolveAttempts.TryGetValue(key, out var attempt) && attempt.NextAllowed > now) return;
        var interval = attempt.Interval == TimeSpan.Zero ? QueryBackoff.First : TimeSpan.FromTicks(Math.Min(attempt.Interval.Ticks * 2, ResolveRetryCap.Ticks));
        _resolveAttempts[key] = (now + interval, interval);
        SendQuery(need.Interface, need.Types.Select(t => new DnsQuestion(need.Name, t)).ToList(), []);
    }

    private void ScheduleMaintenance()
    {
        var next = _cache.NextDeadline();
        if (_resolveAttempts.Count > 0)
        {
            var retry = _resolveAttempts.Values.Min(a => a.NextAllowed);
            if (next is null || retry < next) next = retry;
        }
        _maintenanceTimer?.Cancel();
        if (next is { } due) _maintenanceTimer = _loop.Schedule(due - _loop.Now + TimeSpan.FromMilliseconds(1), Maintain);
    }

    private void SendQuery(MdnsInterface iface, IReadOnlyList<DnsQuestion> questions, IReadOnlyList<DnsRecord> knownAnswers)
    {
        foreach (var packet in QueryPackets.Build(questions, knownAnswers))
            foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
                _transport.SendMulticast(packet, iface, family);
    }

    private void Raise(EventHandler<DiscoveredPeerEventArgs>? handler, DiscoveredPeer peer, string what)
    {
        _log.Debug("mDNS peer {What}: {Peer}", what, peer);
        try
        {
            handler?.Invoke(this, new DiscoveredPeerEventArgs(peer));
        }
        catch (Exception e)
        {
            _log.Warning(e, "A discovered-peer handler failed");
        }
    }
}
