using System.Runtime.Intrinsics.X86;
using PeerStorage.Core.Multicast.Fec;

namespace PeerStorage.Core.Tests.Multicast;

/// <summary>The GF(256) arithmetic is a field, its vector kernels agree with it, and any K symbols rebuild a block.</summary>
public sealed class FecTests
{
    // Carry-less multiply then reduce by 0x11D, bit by bit: a reference that shares nothing with the tables.
    private static byte SlowMultiply(byte a, byte b)
    {
        var product = 0;
        for (var bit = 0; bit < 8; bit++)
            if ((b >> bit & 1) != 0) product ^= a << bit;
        for (var bit = 14; bit >= 8; bit--)
            if ((product >> bit & 1) != 0) product ^= GaloisField.Polynomial << (bit - 8);
        return (byte)product;
    }

    [Fact]
    public void Multiply_matches_polynomial_multiplication_and_every_nonzero_element_has_an_inverse()
    {
        for (var a = 0; a < 256; a++)
        {
            for (var b = 0; b < 256; b++) Assert.Equal(SlowMultiply((byte)a, (byte)b), GaloisField.Multiply((byte)a, (byte)b));
            if (a != 0) Assert.Equal(1, GaloisField.Multiply((byte)a, GaloisField.Inverse((byte)a)));
        }
        Assert.Throws<DivideByZeroException>(() => GaloisField.Inverse(0));
    }

    [Fact]
    public void Multiplication_is_commutative_associative_and_distributes_over_addition()
    {
        var random = new Random(1);
        for (var n = 0; n < 100_000; n++)
        {
            var (a, b, c) = ((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            Assert.Equal(GaloisField.Multiply(a, b), GaloisField.Multiply(b, a));
            Assert.Equal(GaloisField.Multiply(a, GaloisField.Multiply(b, c)), GaloisField.Multiply(GaloisField.Multiply(a, b), c));
            Assert.Equal(GaloisField.Multiply(a, (byte)(b ^ c)), GaloisField.Multiply(a, b) ^ GaloisField.Multiply(a, c));
        }
    }

    public static TheoryData<int> Lengths => new() { 0, 1, 15, 16, 17, 31, 32, 33, 48, 63, 80, 1024, 1024 + 16, 1024 + 7 };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MultiplyAdd_equals_byte_by_byte_multiplication_for_every_coefficient_on_every_kernel(int length)
    {
        var random = new Random(length);
        var src = new byte[length];
        var dst = new byte[length];
        random.NextBytes(src);
        random.NextBytes(dst);
        for (var c = 0; c < 256; c++)
        {
            var expected = new byte[length];
            for (var i = 0; i < length; i++) expected[i] = (byte)(dst[i] ^ GaloisField.Multiply((byte)c, src[i]));

            Assert.Equal(expected, Apply(d => GaloisField.MultiplyAdd((byte)c, src, d)));
            Assert.Equal(expected, Apply(d => GaloisField.MultiplyAddScalar((byte)c, src, d)));
            // Each vector kernel on its whole chunks, the scalar one on the rest, so each is checked on its own.
            if (Avx2.IsSupported) Assert.Equal(expected, Apply(d => ScalarAfter(GaloisField.MultiplyAddAvx2((byte)c, src, d), (byte)c, d)));
            if (Ssse3.IsSupported) Assert.Equal(expected, Apply(d => ScalarAfter(GaloisField.MultiplyAddSsse3((byte)c, src, d), (byte)c, d)));
        }

        void ScalarAfter(int done, byte c, byte[] d) => GaloisField.MultiplyAddScalar(c, src.AsSpan(done), d.AsSpan(done));

        byte[] Apply(Action<byte[]> kernel)
        {
            var copy = (byte[])dst.Clone();
            kernel(copy);
            return copy;
        }
    }

    [Fact]
    public void MultiplyAdd_refuses_spans_of_different_lengths() =>
        Assert.Throws<ArgumentException>(() => GaloisField.MultiplyAdd(3, new byte[32], new byte[16]));

    [Fact]
    public void Random_blocks_are_rebuilt_byte_for_byte_from_random_erasures_and_random_repairs()
    {
        var random = new Random(5);
        for (var round = 0; round < 300; round++)
        {
            var k = round < 4 ? new[] { 1, 2, 127, 128 }[round] : random.Next(1, CauchyCode.MaxSourceCount + 1);
            var s = 16 * random.Next(1, 9);
            // A third of the rounds lose every source symbol; the others a random share of them.
            var lossRate = round % 3 == 0 ? 1.0 : random.NextDouble();
            var lost = Enumerable.Range(0, k).Select(_ => random.NextDouble() < lossRate).ToArray();
            RoundTrip(new CauchyCode(k, s), random, lost, extraRepairs: random.Next(3));
        }
    }

    [Fact]
    public void A_64_symbol_block_of_1KiB_symbols_is_rebuilt_from_64_random_repairs_alone()
    {
        var random = new Random(64);
        var code = new CauchyCode(64, 1024);
        RoundTrip(code, random, Enumerable.Repeat(true, 64).ToArray(), extraRepairs: 0);
        // Again on the same instance: the reused scratch must not leak the first block into the second.
        RoundTrip(code, random, Enumerable.Repeat(true, 64).ToArray(), extraRepairs: 0);
    }

    [Fact]
    public void A_block_with_no_loss_is_left_as_it_is_even_without_repairs()
    {
        var code = new CauchyCode(4, 32);
        var block = RandomBlock(code, new Random(2));
        var copy = (byte[])block.Clone();
        code.Decode(block, [true, true, true, true], [], []);
        Assert.Equal(copy, block);
    }

    [Fact]
    public void Too_few_repairs_or_bad_repair_indices_are_refused_with_a_clear_message()
    {
        var code = new CauchyCode(8, 64);
        var block = new byte[8 * 64];
        bool[] present = [true, false, true, false, true, true, false, true];

        var tooFew = Assert.Throws<ArgumentException>(() => code.Decode(block, present, [0, 1], new byte[2 * 64]));
        Assert.Contains("3 source symbol(s) of the block are missing but only 2 repair symbol(s)", tooFew.Message);
        Assert.Contains("given twice", Assert.Throws<ArgumentException>(() => code.Decode(block, present, [0, 5, 5], new byte[3 * 64])).Message);
        Assert.Contains("out of range", Assert.Throws<ArgumentException>(() => code.Decode(block, present, [0, 1, 248], new byte[3 * 64])).Message);
        Assert.Contains("out of range", Assert.Throws<ArgumentException>(() => code.Decode(block, present, [-1, 1, 2], new byte[3 * 64])).Message);
        Assert.Throws<ArgumentException>(() => code.Decode(block, present, [0, 1, 2], new byte[2 * 64]));
        Assert.Throws<ArgumentOutOfRangeException>(() => code.EncodeRepair(block, 248, new byte[64]));
        Assert.Throws<ArgumentException>(() => code.EncodeRepair(new byte[7 * 64], 0, new byte[64]));
    }

    [Theory]
    [InlineData(0, 1024)]
    [InlineData(129, 1024)]
    [InlineData(64, 0)]
    [InlineData(64, 1000)]
    public void Out_of_range_geometries_are_refused(int k, int s) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CauchyCode(k, s));

    /// <summary>Encodes random repairs of a random block, erases the <paramref name="lost"/> sources, decodes, compares.</summary>
    private static void RoundTrip(CauchyCode code, Random random, bool[] lost, int extraRepairs)
    {
        var (k, s) = (code.SourceCount, code.SymbolSize);
        var original = RandomBlock(code, random);
        var repairCount = Math.Min(lost.Count(l => l) + extraRepairs, code.MaxRepairCount);
        var indices = Enumerable.Range(0, code.MaxRepairCount).OrderBy(_ => random.Next()).Take(repairCount).ToArray();
        var repairs = new byte[repairCount * s];
        for (var j = 0; j < repairCount; j++) code.EncodeRepair(original, indices[j], repairs.AsSpan(j * s, s));

        var received = (byte[])original.Clone();
        for (var i = 0; i < k; i++)
            if (lost[i]) random.NextBytes(received.AsSpan(i * s, s)); // garbage where the symbol never arrived
        code.Decode(received, lost.Select(l => !l).ToArray(), indices, repairs);
        Assert.Equal(original, received);
    }

    private static byte[] RandomBlock(CauchyCode code, Random random)
    {
        var block = new byte[code.SourceCount * code.SymbolSize];
        random.NextBytes(block);
        return block;
    }
}
