using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>
/// A record this responder is authoritative for. Unique records (host addresses, SRV, TXT) are ours alone, are
/// probed for and carry the cache-flush bit in responses; shared ones (PTR) may have other answerers.
/// </summary>
internal sealed record OwnedRecord(DnsRecord Record, bool IsUnique)
{
    /// <summary>The record as it goes into a multicast response.</summary>
    public DnsRecord InResponse => IsUnique ? Record.WithCacheFlush(true) : Record;
}
