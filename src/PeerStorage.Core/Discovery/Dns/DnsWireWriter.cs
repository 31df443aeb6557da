using System.Buffers.Binary;
using System.Text;

namespace PeerStorage.Core.Discovery.Dns;

/// <summary>Appends DNS wire data to a growing buffer, compressing names against names written earlier.</summary>
internal sealed class DnsWireWriter(bool compress = true)
{
    // A compression pointer has 14 bits of offset.
    private const int MaxPointerOffset = 0x3FFF;

    private byte[] _buffer = new byte[512];
    private readonly Dictionary<string, int> _nameOffsets = new(StringComparer.Ordinal);

    public int Length { get; private set; }

    public byte[] ToArray() => _buffer.AsSpan(0, Length).ToArray();

    public void WriteByte(byte value) => Reserve(1)[0] = value;
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);
    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>Overwrites a 16-bit value written earlier (a length or a count).</summary>
    public void PatchUInt16(int offset, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(offset, 2), value);

    /// <summary>Writes a name; its longest suffix already in the message becomes a pointer.</summary>
    public void WriteName(DnsName name)
    {
        var labels = name.Labels;
        for (var i = 0; i < labels.Count; i++)
        {
            var suffixKey = compress ? SuffixKey(labels, i) : null;
            if (suffixKey is not null && _nameOffsets.TryGetValue(suffixKey, out var offset))
            {
                WriteUInt16((ushort)(0xC000 | offset));
                return;
            }
            if (suffixKey is not null && Length <= MaxPointerOffset) _nameOffsets[suffixKey] = Length;
            var bytes = Encoding.UTF8.GetBytes(labels[i]);
            WriteByte((byte)bytes.Length);
            WriteBytes(bytes);
        }
        WriteByte(0);
    }

    // Exact case: a pointer then reproduces the name as written, so "Lab PC" never comes back as "lab pc".
    private static string SuffixKey(IReadOnlyList<string> labels, int start) => string.Join('\0', labels.Skip(start));

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
