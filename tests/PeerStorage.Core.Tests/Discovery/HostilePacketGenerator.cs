using System.Net;
using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Tests.Discovery;

/// <summary>
/// Seeded hostile input for fuzzing: random bytes, and valid mDNS messages that are then bit-flipped, cut short,
/// spliced with random bytes, or given random compression pointers and counts.
/// </summary>
internal sealed class HostilePacketGenerator(int seed)
{
    private readonly Random _random = new(seed);

    public byte[] Next() => _random.Next(6) switch
    {
        0 => RandomBytes(_random.Next(0, 1500)),
        1 => FlipBytes(ValidPacket()),
        2 => Truncate(ValidPacket()),
        3 => Splice(ValidPacket()),
        4 => RandomPointers(ValidPacket()),
        _ => RandomCounts(ValidPacket()),
    };

    public byte[] ValidPacket()
    {
        var service = DnsName.Parse("_peerstorage._tcp.local");
        var instance = service.Prepend($"Node {_random.Next(100)}");
        var host = DnsName.Parse($"host{_random.Next(100)}.local");
        var records = new List<DnsRecord>
        {
            new(service, 4500, new PointerRecordData(instance)),
            new(instance, 120, new ServiceRecordData(0, 0, (ushort)_random.Next(1, 65535), host), cacheFlush: true),
            new(instance, 4500, TextRecordData.FromProperties([new("id", _random.Next().ToString()), new("pv", "1")]), cacheFlush: true),
            new(host, 120, new AddressRecordData(new IPAddress(_random.Next())), cacheFlush: true),
            new(host, 120, new AddressRecordData(IPAddress.Parse("fe80::" + _random.Next(1, 65535).ToString("x"))), cacheFlush: true),
            new(host, 120, new NsecRecordData(host, [DnsRecordType.A, DnsRecordType.AAAA]), cacheFlush: true),
        };
        var take = _random.Next(1, records.Count + 1);
        return (_random.Next(3) switch
        {
            0 => DnsMessage.Response(records.Take(take).ToList()),
            1 => DnsMessage.Query([new DnsQuestion(service, DnsRecordType.PTR, UnicastResponse: _random.Next(2) == 0)], records.Take(take).ToList()),
            _ => new DnsMessage { Questions = [new DnsQuestion(host, DnsRecordType.ANY)], Authorities = records.Skip(3).ToList() },
        }).Encode();
    }

    private byte[] Truncate(byte[] packet) => packet[.._random.Next(0, packet.Length)];

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private byte[] FlipBytes(byte[] packet)
    {
        for (var i = _random.Next(1, 10); i > 0 && packet.Length > 0; i--)
            packet[_random.Next(packet.Length)] ^= (byte)(1 << _random.Next(8));
        return packet;
    }

    private byte[] Splice(byte[] packet)
    {
        var at = _random.Next(packet.Length + 1);
        return [.. packet[..at], .. RandomBytes(_random.Next(1, 40)), .. packet[at..]];
    }

    private byte[] RandomPointers(byte[] packet)
    {
        for (var i = _random.Next(1, 4); i > 0 && packet.Length > 13; i--)
        {
            var at = _random.Next(12, packet.Length - 1);
            packet[at] = (byte)(0xC0 | _random.Next(0x40));
            packet[at + 1] = (byte)_random.Next(256);
        }
        return packet;
    }

    private byte[] RandomCounts(byte[] packet)
    {
        packet[4 + 2 * _random.Next(4)] = (byte)_random.Next(256);
        packet[5 + 2 * _random.Next(4)] = (byte)_random.Next(256);
        return packet;
    }
}
