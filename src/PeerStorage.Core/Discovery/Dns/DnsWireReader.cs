using System.Buffers.Binary;
using System.Text;

namespace PeerStorage.Core.Discovery.Dns;

/// <summary>
/// Reads DNS wire data from a packet with every length checked against what is left, so hostile input ends in a
/// <see cref="DnsFormatException"/> rather than an out-of-range read, a loop or a large allocation.
/// </summary>
internal ref struct DnsWireReader(ReadOnlySpan<byte> packet)
{
    private readonly ReadOnlySpan<byte> _packet = packet;

    public int Position { get; private set; }
    public readonly int Remaining => _packet.Length - Position;

    public byte ReadByte() => Take(1)[0];
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
            throw new DnsFormatException($"Truncated: needed {count} bytes at offset {Position}, {Remaining} left.");
        var span = _packet.Slice(Position, count);
        Position += count;
        return span;
    }

    // Strict, so that a decoded label encodes back to exactly the bytes it came from (and its length limit holds).
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string DecodeLabel(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new DnsFormatException("A label is not valid UTF-8.");
        }
    }

    /// <summary>
    /// Reads a possibly compressed name. Every pointer must point strictly before the previous one (or before the
    /// name itself), which rules out loops; the decoded name is held to 255 bytes and 63-byte labels.
    /// </summary>
    public DnsName ReadName()
    {
        var labels = new List<string>();
        var wireLength = 1;
        var cursor = Position;
        var pointerLimit = Position; // a pointer must target an offset below this
        var jumped = false;
        while (true)
        {
            if (cursor >= _packet.Length) throw new DnsFormatException($"Name runs past the end of the packet at offset {cursor}.");
            var length = _packet[cursor];
            switch (length & 0xC0)
            {
                case 0x00:
                    if (length == 0)
                    {
                        if (!jumped) Position = cursor + 1;
                        return DnsName.FromCheckedLabels(labels.ToArray());
                    }
                    if (cursor + 1 + length > _packet.Length) throw new DnsFormatException($"Label runs past the end of the packet at offset {cursor}.");
                    wireLength += length + 1;
                    if (wireLength > DnsName.MaxWireBytes) throw new DnsFormatException($"Name longer than {DnsName.MaxWireBytes} bytes.");
                    labels.Add(DecodeLabel(_packet.Slice(cursor + 1, length)));
                    cursor += 1 + length;
                    break;
                case 0xC0:
                    if (cursor + 2 > _packet.Length) throw new DnsFormatException($"Truncated compression pointer at offset {cursor}.");
                    var target = BinaryPrimitives.ReadUInt16BigEndian(_packet.Slice(cursor, 2)) & 0x3FFF;
                    if (target >= pointerLimit) throw new DnsFormatException($"Compression pointer at offset {cursor} does not point backwards (to {target}).");
                    if (!jumped) Position = cursor + 2;
                    jumped = true;
                    pointerLimit = target;
                    cursor = target;
                    break;
                default:
                    throw new DnsFormatException($"Unsupported label type 0x{length:X2} at offset {cursor}.");
            }
        }
    }
}
