using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;

namespace PeerStorage.Core.Discovery.Browser;

/// <summary>A record heard on an interface, with when it expires and when to ask for it again before then.</summary>
internal sealed class CachedRecord
{
    // RFC 6762 §5.2: ask again at 80%, 85%, 90% and 95% of the lifetime, each plus up to 2% so askers spread out.
    private static readonly double[] RefreshPoints = [0.80, 0.85, 0.90, 0.95];
    private const double RefreshJitter = 0.02;

    private readonly TimeSpan[] _refreshAt;
    private int _nextRefresh;

    public CachedRecord(DnsRecord record, MdnsInterface iface, TimeSpan now)
    {
        Record = record;
        Interface = iface;
        Received = now;
        var lifetime = TimeSpan.FromSeconds(record.Ttl);
        Expires = now + lifetime;
        _refreshAt = RefreshPoints.Select(p => now + lifetime * (p + Random.Shared.NextDouble() * RefreshJitter)).ToArray();
    }

    public DnsRecord Record { get; }
    public MdnsInterface Interface { get; }
    public TimeSpan Received { get; }
    public TimeSpan Expires { get; private set; }
    /// <summary>Its owner said goodbye (or a cache-flush replaced it): it lingers a second but no longer counts.</summary>
    public bool IsWithdrawn { get; private set; }

    public bool IsLive(TimeSpan now) => Expires > now && !IsWithdrawn;

    /// <summary>Whole seconds left, for known-answer lists.</summary>
    public uint RemainingTtl(TimeSpan now) => Expires <= now ? 0 : (uint)(Expires - now).TotalSeconds;

    /// <summary>RFC 6762 §7.1: only records with more than half their lifetime left go into known answers.</summary>
    public bool IsFreshEnoughForKnownAnswer(TimeSpan now) => RemainingTtl(now) * 2 > Record.Ttl && IsLive(now);

    /// <summary>RFC 6762 §10.1, §10.2: a goodbye or flushed record goes one second from now.</summary>
    public void ExpireSoon(TimeSpan now, bool withdrawn)
    {
        var soon = now + TimeSpan.FromSeconds(1);
        if (soon < Expires) Expires = soon;
        IsWithdrawn |= withdrawn;
        _nextRefresh = _refreshAt.Length;
    }

    public TimeSpan? NextRefresh => _nextRefresh < _refreshAt.Length ? _refreshAt[_nextRefresh] : null;

    /// <summary>True (once per refresh point) when a refresh query is due.</summary>
    public bool TakeRefresh(TimeSpan now)
    {
        if (NextRefresh is not { } due || due > now) return false;
        while (_nextRefresh < _refreshAt.Length && _refreshAt[_nextRefresh] <= now) _nextRefresh++;
        return true;
    }
}
