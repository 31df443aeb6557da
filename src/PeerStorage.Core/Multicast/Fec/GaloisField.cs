using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PeerStorage.Core.Multicast.Fec;

/// <summary>
/// GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), the usual Reed-Solomon field, generator 2.
/// Addition and subtraction are both XOR.
/// </summary>
public static class GaloisField
{
    public const int Polynomial = 0x11D;

    // Exp holds two periods (2 * 255 entries, padded to 512) so Multiply indexes Log[a] + Log[b] without a modulo.
    private static readonly byte[] Exp = BuildExp();
    private static readonly byte[] Log = BuildLog(Exp);

    // For each coefficient c, 32 bytes: c * n for n = 0..15 (the low nibble), then c * (n << 4) (the high nibble).
    // Multiplication by c distributes over XOR, so c * b = low[b & 15] ^ high[b >> 4]: two 16-entry lookups that
    // one byte shuffle each does for 16 (SSSE3) or 32 (AVX2) bytes at once.
    private static readonly byte[] NibbleTables = BuildNibbleTables();

    /// <summary>Which kernel <see cref="MultiplyAdd"/> runs on this machine (for benchmark reports).</summary>
    public static string Acceleration => Avx2.IsSupported ? "AVX2" : Ssse3.IsSupported ? "SSSE3" : "scalar";

    public static byte Multiply(byte a, byte b) => a == 0 || b == 0 ? (byte)0 : Exp[Log[a] + Log[b]];

    public static byte Inverse(byte a)
    {
        if (a == 0) throw new DivideByZeroException("0 has no inverse in GF(256).");
        return Exp[255 - Log[a]];
    }

    /// <summary><paramref name="dst"/> ^= <paramref name="c"/> * <paramref name="src"/>, byte by byte (the codec's hot loop).</summary>
    public static void MultiplyAdd(byte c, ReadOnlySpan<byte> src, Span<byte> dst)
    {
        if (src.Length != dst.Length)
            throw new ArgumentException($"Source ({src.Length} bytes) and destination ({dst.Length} bytes) differ in length.", nameof(dst));
        if (c == 0) return;
        // Widest kernel first, each takes the whole vectors it can; what is left goes to the next narrower one.
        var done = 0;
        if (Avx2.IsSupported) done = MultiplyAddAvx2(c, src, dst);
        if (Ssse3.IsSupported) done += MultiplyAddSsse3(c, src[done..], dst[done..]);
        MultiplyAddScalar(c, src[done..], dst[done..]);
    }

    /// <summary>The 32-byte kernel on whole 32-byte chunks; returns the number of bytes done.</summary>
    internal static int MultiplyAddAvx2(byte c, ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var length = src.Length & ~31;
        ref var table = ref TableOf(c);
        // Avx2.Shuffle looks up within each 128-bit lane, so both lanes carry the same 16-entry table.
        var low = Vector256.Create(Vector128.LoadUnsafe(ref table), Vector128.LoadUnsafe(ref table));
        var high = Vector256.Create(Vector128.LoadUnsafe(ref table, 16), Vector128.LoadUnsafe(ref table, 16));
        var nibble = Vector256.Create((byte)0x0F);
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(dst);
        for (nuint i = 0; i < (nuint)length; i += 32)
        {
            var v = Vector256.LoadUnsafe(ref s, i);
            // No byte shift in AVX2: shift 16-bit lanes, then mask off what crossed in from the neighbouring byte.
            var product = Avx2.Shuffle(low, v & nibble) ^ Avx2.Shuffle(high, Vector256.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble);
            (Vector256.LoadUnsafe(ref d, i) ^ product).StoreUnsafe(ref d, i);
        }
        return length;
    }

    /// <summary>The 16-byte kernel on whole 16-byte chunks; returns the number of bytes done.</summary>
    internal static int MultiplyAddSsse3(byte c, ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var length = src.Length & ~15;
        ref var table = ref TableOf(c);
        var low = Vector128.LoadUnsafe(ref table);
        var high = Vector128.LoadUnsafe(ref table, 16);
        var nibble = Vector128.Create((byte)0x0F);
        ref var s = ref MemoryMarshal.GetReference(src);
        ref var d = ref MemoryMarshal.GetReference(dst);
        for (nuint i = 0; i < (nuint)length; i += 16)
        {
            var v = Vector128.LoadUnsafe(ref s, i);
            var product = Ssse3.Shuffle(low, v & nibble) ^ Ssse3.Shuffle(high, Vector128.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble);
            (Vector128.LoadUnsafe(ref d, i) ^ product).StoreUnsafe(ref d, i);
        }
        return length;
    }

    /// <summary>The portable kernel: the same nibble tables, one byte at a time (tails, and machines without SSSE3).</summary>
    internal static void MultiplyAddScalar(byte c, ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var table = NibbleTables.AsSpan(c * 32, 32);
        for (var i = 0; i < src.Length; i++)
            dst[i] ^= (byte)(table[src[i] & 15] ^ table[16 + (src[i] >> 4)]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte TableOf(byte c) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(NibbleTables), c * 32);

    private static byte[] BuildExp()
    {
        var exp = new byte[512];
        var x = 1;
        for (var i = 0; i < 255; i++)
        {
            exp[i] = exp[i + 255] = (byte)x;
            x <<= 1;
            if (x >= 256) x ^= Polynomial;
        }
        return exp;
    }

    private static byte[] BuildLog(byte[] exp)
    {
        var log = new byte[256];
        for (var i = 0; i < 255; i++) log[exp[i]] = (byte)i;
        return log;
    }

    private static byte[] BuildNibbleTables()
    {
        var tables = new byte[256 * 32];
        for (var c = 0; c < 256; c++)
        for (var n = 0; n < 16; n++)
        {
            tables[c * 32 + n] = Multiply((byte)c, (byte)n);
            tables[c * 32 + 16 + n] = Multiply((byte)c, (byte)(n << 4));
        }
        return tables;
    }
}
