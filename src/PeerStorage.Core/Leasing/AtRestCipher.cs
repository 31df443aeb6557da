using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PeerStorage.Core.Leasing;

/// <summary>
/// The host's own layer over a lease's bytes: AES-256-CTR keyed per lease, the counter being the byte position in the
/// lease divided by 16. The bytes are already the holder's ciphertext; this layer exists so that destroying one small
/// key at expiry makes whatever a wipe might miss (a remapped SSD sector, a snapshot of the carrier) unreadable.
/// CTR keeps positions stable (no tags, no growth), so objects sit at plain offsets.
/// </summary>
public sealed class AtRestCipher : IDisposable
{
    public const int KeyBytes = 32;
    private const int Block = 16;
    /// <summary>Keystream is made this much at a time: big enough for AES-NI pipelining, small enough to stay in cache.</summary>
    private const int SliceBytes = 64 * 1024;
    private readonly Aes _aes;
    private readonly byte[] _counters = new byte[SliceBytes + Block];
    private readonly byte[] _keystream = new byte[SliceBytes + Block];

    public AtRestCipher(byte[] key)
    {
        if (key.Length != KeyBytes) throw new ArgumentException($"An at-rest key has {KeyBytes} bytes.", nameof(key));
        _aes = Aes.Create();
        _aes.Key = key;
    }

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    /// <summary>
    /// Encrypts or decrypts (the same operation) <paramref name="data"/> in place, as found at <paramref name="position"/>
    /// in the lease. Not thread-safe: one caller at a time per instance (its keystream buffers are reused).
    /// </summary>
    public void Transform(long position, Span<byte> data)
    {
        while (!data.IsEmpty)
        {
            var skip = (int)(position % Block);
            var take = Math.Min(data.Length, SliceBytes - skip);
            var blocks = (skip + take + Block - 1) / Block;
            var first = (ulong)(position / Block);
            var counters = MemoryMarshal.Cast<byte, ulong>(_counters.AsSpan(0, blocks * Block));
            for (var i = 0; i < blocks; i++)
            {
                counters[2 * i] = 0;
                var counter = first + (ulong)i; // stored big-endian in the low half
                counters[2 * i + 1] = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(counter) : counter;
            }
            _aes.EncryptEcb(_counters.AsSpan(0, blocks * Block), _keystream.AsSpan(0, blocks * Block), PaddingMode.None);
            Xor(data[..take], _keystream.AsSpan(skip, take));
            data = data[take..];
            position += take;
        }
    }

    private static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        var i = 0;
        var width = Vector<byte>.Count;
        for (; i + width <= data.Length; i += width)
            (new Vector<byte>(data[i..]) ^ new Vector<byte>(keystream[i..])).CopyTo(data[i..]);
        for (; i < data.Length; i++) data[i] ^= keystream[i];
    }

    public void Dispose() => _aes.Dispose();
}
