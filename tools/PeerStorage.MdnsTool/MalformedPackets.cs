using System.Buffers.Binary;
using System.Net;
using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.MdnsTool;

/// <summary>
/// Hostile mDNS packets: random bytes, valid messages with random bytes flipped or cut short, and hand-made traps
/// (compression loops, forward pointers, oversized labels, absurd counts, record lengths past the end).
/// </summary>
internal sealed class MalformedPackets(int seed)
{
    private readonly Random _random = new(seed);

    public byte[] Next() => _random.Next(4) switch
    {
        0 => RandomBytes(),
        1 => Mutated(),
        2 => Truncated(),
        _ => Trap(),
    };

    private byte[] RandomBytes()
    {
        var bytes = new byte[_random.Next(0, 600)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private byte[] Mutated()
    {
        var packet = ValidMessage();
        for (var flips = _random.Next(1, 8); flips > 0; flips--)
            packet[_random.Next(packet.Length)] = (byte)_random.Next(256);
        return packet;
    }

    private byte[] Truncated()
    {
        var packet = ValidMessage();
        return packet[.._random.Next(packet.Length)];
    }

    private byte[] ValidMessage()
    {
        var service = DnsName.Parse("_peerstorage._tcp.local");
        var instance = service.Prepend($"Fuzz {_random.Next(1000)}");
        var host = DnsName.Parse($"fuzz{_random.Next(1000)}.local");
        var records = new List<DnsRecord>
        {
            new(service, 4500, new PointerRecordData(instance)),
            new(instance, 120, new ServiceRecordData(0, 0, (ushort)_random.Next(1, 65535), host), cacheFlush: true),
            new(instance, 4500, TextRecordData.FromProperties([new("id", "x"), new("pv", "1")]), cacheFlush: true),
            new(host, 120, new AddressRecordData(new IPAddress(_random.Next())), cacheFlush: true),
            new(host, 120, new NsecRecordData(host, [DnsRecordType.A]), cacheFlush: true),
        };
        var message = _random.Next(2) == 0
            ? DnsMessage.Response(records)
            : DnsMessage.Query([new DnsQuestion(service, DnsRecordType.PTR)], records.Take(1).ToList());
        return message.Encode();
    }

    private byte[] Trap()
    {
        var packet = new byte[12 + 64];
        _random.NextBytes(packet.AsSpan(12));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)_random.Next(1, 65536)); // questions
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), (ushort)_random.Next(0, 65536)); // answers
        switch (_random.Next(5))
        {
            case 0: // a pointer to itself
                packet[12] = 0xC0;
                packet[13] = 12;
                break;
            case 1: // two pointers to each other
                packet[12] = 0xC0; packet[13] = 14;
                packet[14] = 0xC0; packet[15] = 12;
                break;
            case 2: // a pointer past the end
                packet[12] = 0xFF;
                packet[13] = 0xFF;
                break;
            case 3: // a label claiming more than is there, or the reserved label types
                packet[12] = (byte)_random.Next(0x3F, 0xC0);
                break;
            default: // a record whose data length runs past the packet
                packet[12] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 0);
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), 1);
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(13), (ushort)DnsRecordType.TXT);
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(21), 0xFFFF);
                break;
        }
        return packet;
    }
}
