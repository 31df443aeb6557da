using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
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
    private readonly Aes _aes;

    public AtRestCipher(byte[] key)
    {
        if (key.Length != KeyBytes) throw new ArgumentException($"An at-rest key has {KeyBytes} bytes.", nameof(key));
        _aes = Aes.Create();
        _aes.Key = key;
    }

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    /// <summary>Encrypts or decrypts (the same operation) <paramref name="data"/> in place, as found at <paramref name="position"/> in the lease.</summary>
    public void Transform(long position, Span<byte> data)
    {
        if (data.IsEmpty) return;
        var skip = (int)(position % Block);
        var firstCounter = position / Block;
        var streamLength = (skip + data.Length + Block - 1) / Block * Block;
        var counters = ArrayPool<byte>.Shared.Rent(streamLength);
        var keystream = ArrayPool<byte>.Shared.Rent(streamLength);
        try
        {
            for (var i = 0; i < streamLength / Block; i++)
            {
                var counter = counters.AsSpan(i * Block, Block);
                BinaryPrimitives.WriteInt64BigEndian(counter, 0);
                BinaryPrimitives.WriteInt64BigEndian(counter[8..], firstCounter + i);
            }
            _aes.EncryptEcb(counters.AsSpan(0, streamLength), keystream.AsSpan(0, streamLength), PaddingMode.None);
            Xor(data, keystream.AsSpan(skip, data.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(counters);
            ArrayPool<byte>.Shared.Return(keystream);
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
