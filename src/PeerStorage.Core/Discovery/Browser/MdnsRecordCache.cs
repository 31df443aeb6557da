using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;

namespace PeerStorage.Core.Discovery.Browser;

/// <summary>
/// A TTL cache of records per interface (RFC 6762 §10): goodbyes and cache-flush records retire older data after a
/// second; entries are bounded, the soonest to expire going first when full.
/// </summary>
internal sealed class MdnsRecordCache(int maxEntries = 4096)
{
    // RFC 6762 §10.2: records of a flushed set that arrived within the last second are part of the same update.
    private static readonly TimeSpan FlushGrace = TimeSpan.FromSeconds(1);

    private readonly Dictionary<(int Interface, RecordIdentity Record), CachedRecord> _entries = [];
    private readonly Dictionary<string, List<CachedRecord>> _byName = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public void Add(DnsRecord record, MdnsInterface iface, TimeSpan now)
    {
        var key = (iface.Index, RecordIdentity.Of(record));
        if (record.CacheFlush)
            foreach (var other in Find(record.Name, record.Type, iface.Index))
                if (!other.Record.IsSameRecord(record) && other.Received < now - FlushGrace && other.Record.Class == record.Class)
                    other.ExpireSoon(now, withdrawn: true);
        if (record.Ttl == 0)
        {
            if (_entries.TryGetValue(key, out var existing)) existing.ExpireSoon(now, withdrawn: true);
            return;
        }
        if (_entries.Remove(key, out var replaced)) Unindex(replaced);
        else if (_entries.Count >= maxEntries) Evict();
        var entry = new CachedRecord(record.WithCacheFlush(false), iface, now);
        _entries[key] = entry;
        if (!_byName.TryGetValue(record.Name.Key, out var list)) _byName[record.Name.Key] = list = [];
        list.Add(entry);
    }

    /// <summary>Records of a name and type (on one interface, or on all), expired ones included until purged.</summary>
    public IEnumerable<CachedRecord> Find(DnsName name, DnsRecordType type, int? interfaceIndex = null) =>
        _byName.TryGetValue(name.Key, out var list)
            ? list.Where(e => e.Record.Type == type && (interfaceIndex is null || e.Interface.Index == interfaceIndex))
            : [];

    public IEnumerable<CachedRecord> All => _entries.Values;

    /// <summary>Drops expired records; true when any went.</summary>
    public bool Purge(TimeSpan now)
    {
        var expired = _entries.Where(e => e.Value.Expires <= now).ToList();
        foreach (var (key, entry) in expired)
        {
            _entries.Remove(key);
            Unindex(entry);
        }
        return expired.Count > 0;
    }

    /// <summary>The next moment something expires or needs a refresh query.</summary>
    public TimeSpan? NextDeadline()
    {
        TimeSpan? next = null;
        foreach (var entry in _entries.Values)
        {
            if (next is null || entry.Expires < next) next = entry.Expires;
            if (entry.NextRefresh is { } refresh && refresh < next) next = refresh;
        }
        return next;
    }

    private void Evict()
    {
        var victim = _entries.MinBy(e => e.Value.Expires);
        _entries.Remove(victim.Key);
        Unindex(victim.Value);
    }

    private void Unindex(CachedRecord entry)
    {
        var key = entry.Record.Name.Key;
        if (!_byName.TryGetValue(key, out var list)) return;
        list.Remove(entry);
        if (list.Count == 0) _byName.Remove(key);
    }
}
