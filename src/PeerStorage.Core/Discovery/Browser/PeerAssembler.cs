using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;

namespace PeerStorage.Core.Discovery.Browser;

/// <summary>What is still missing to describe an instance: its SRV/TXT, or its host's addresses.</summary>
internal sealed record MissingRecords(DnsName Name, DnsRecordType[] Types, MdnsInterface Interface);

/// <summary>
/// Joins cached PTR, SRV, TXT and address records into peers. An instance counts once it has all of them; the
/// interface that last carried its PTR is "where it was seen", and records from that interface are preferred.
/// </summary>
internal static class PeerAssembler
{
    public static (List<DiscoveredPeer> Peers, List<MissingRecords> Missing) Assemble(MdnsRecordCache cache, DnsName serviceName, TimeSpan now)
    {
        var peers = new List<DiscoveredPeer>();
        var missing = new List<MissingRecords>();
        var pointers = cache.Find(serviceName, DnsRecordType.PTR)
            .Where(e => e.IsLive(now) && e.Record.Data is PointerRecordData p && p.Target.Parent == serviceName && p.Target.Labels.Count > 0)
            .GroupBy(e => ((PointerRecordData)e.Record.Data).Target.Key);
        foreach (var group in pointers)
        {
            var pointer = group.MaxBy(e => e.Received)!;
            var instance = ((PointerRecordData)pointer.Record.Data).Target;
            var iface = pointer.Interface;
            var srv = Pick(cache.Find(instance, DnsRecordType.SRV), iface, now);
            var txt = Pick(cache.Find(instance, DnsRecordType.TXT), iface, now);
            if (srv is null || txt is null)
            {
                missing.Add(new MissingRecords(instance, [DnsRecordType.SRV, DnsRecordType.TXT], iface));
                continue;
            }
            var service = (ServiceRecordData)srv.Record.Data;
            var addresses = Addresses(cache, service.Target, iface, now);
            if (addresses.Count == 0)
            {
                missing.Add(new MissingRecords(service.Target, [DnsRecordType.A, DnsRecordType.AAAA], iface));
                continue;
            }
            peers.Add(new DiscoveredPeer
            {
                InstanceName = instance.Labels[0],
                ServiceType = string.Join('.', serviceName.Labels.Take(serviceName.Labels.Count - 1)),
                HostName = service.Target.ToString(),
                Port = service.Port,
                Addresses = addresses,
                Txt = ((TextRecordData)txt.Record.Data).ToProperties(),
                InterfaceName = iface.Name,
                InterfaceIndex = iface.Index,
            });
        }
        return (peers, missing);
    }

    private static CachedRecord? Pick(IEnumerable<CachedRecord> candidates, MdnsInterface preferred, TimeSpan now) =>
        candidates.Where(e => e.IsLive(now))
            .OrderByDescending(e => e.Interface.Index == preferred.Index)
            .ThenByDescending(e => e.Received)
            .FirstOrDefault();

    private static List<IPAddress> Addresses(MdnsRecordCache cache, DnsName host, MdnsInterface preferred, TimeSpan now)
    {
        var records = cache.Find(host, DnsRecordType.A).Concat(cache.Find(host, DnsRecordType.AAAA)).Where(e => e.IsLive(now)).ToList();
        var onPreferred = records.Where(e => e.Interface.Index == preferred.Index).ToList();
        return (onPreferred.Count > 0 ? onPreferred : records)
            .Select(e => WithScope(((AddressRecordData)e.Record.Data).Address, e.Interface))
            .Distinct()
            .OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
            .ToList();
    }

    private static IPAddress WithScope(IPAddress address, MdnsInterface iface) =>
        address.IsIPv6LinkLocal ? new IPAddress(address.GetAddressBytes(), iface.Index) : address;
}
