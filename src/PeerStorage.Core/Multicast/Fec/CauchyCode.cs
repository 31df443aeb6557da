namespace PeerStorage.Core.Multicast.Fec;

/// <summary>
/// Systematic Cauchy Reed-Solomon erasure code over GF(256) for one block of <see cref="SourceCount"/> source symbols
/// of <see cref="SymbolSize"/> bytes. Repair symbol r is sum over i of C[r][i] * source_i with
/// C[r][i] = 1 / (x_r XOR y_i), x_r = K + r, y_i = i. Every square submatrix of a Cauchy matrix is invertible, so
/// any K of the K + R symbols rebuild the block (MDS): one repair fixes whichever single loss each receiver had.
/// </summary>
/// <remarks>
/// Not thread-safe: <see cref="Decode"/> reuses per-instance scratch buffers so that the steady state allocates
/// nothing. Use one instance per thread (or per receiver loop).
/// </remarks>
public sealed class CauchyCode
{
    public const int MaxSourceCount = 128;

    // Row r holds C[r][0..K): precomputed once, so encoding and decoding never invert field elements per symbol.
    private readonly byte[] coefficients;

    // Decode scratch, allocated on first use: the used repairs with the known sources subtracted (up to K rows of
    // S bytes), the m x 2m Gauss-Jordan matrix [A | I], and the positions of the missing sources.
    private byte[]? reduced;
    private byte[]? matrix;
    private int[]? missing;

    public CauchyCode(int sourceCount, int symbolSize)
    {
        if (sourceCount is < 1 or > MaxSourceCount)
            throw new ArgumentOutOfRangeException(nameof(sourceCount), sourceCount, $"A block holds 1 to {MaxSourceCount} source symbols.");
        if (symbolSize <= 0 || symbolSize % 16 != 0)
            throw new ArgumentOutOfRangeException(nameof(symbolSize), symbolSize, "The symbol size must be a positive multiple of 16 bytes.");
        SourceCount = sourceCount;
        SymbolSize = symbolSize;
        coefficients = new byte[MaxRepairCount * sourceCount];
        for (var r = 0; r < MaxRepairCount; r++)
        for (var i = 0; i < sourceCount; i++)
            coefficients[r * sourceCount + i] = GaloisField.Inverse((byte)((sourceCount + r) ^ i));
    }

    /// <summary>K: source symbols per block.</summary>
    public int SourceCount { get; }

    /// <summary>S: bytes per symbol.</summary>
    public int SymbolSize { get; }

    /// <summary>256 - K: the field has 256 elements, shared between the K source points and the repair points.</summary>
    public int MaxRepairCount => 256 - SourceCount;

    /// <summary>Writes repair symbol <paramref name="repairIndex"/> of <paramref name="block"/> (K * S bytes; the caller zero-pads a short last block).</summary>
    public void EncodeRepair(ReadOnlySpan<byte> block, int repairIndex, Span<byte> repair)
    {
        CheckBlock(block.Length);
        CheckRepairIndex(repairIndex);
        if (repair.Length != SymbolSize)
            throw new ArgumentException($"The repair symbol takes {SymbolSize} bytes, not {repair.Length}.", nameof(repair));
        repair.Clear();
        var row = CoefficientsOf(repairIndex);
        for (var i = 0; i < SourceCount; i++) GaloisField.MultiplyAdd(row[i], Symbol(block, i), repair);
    }

    /// <summary>
    /// Rebuilds in place the source symbols of <paramref name="block"/> whose <paramref name="sourcePresent"/> entry is
    /// false, from the first m of the given repairs (m = the number missing). <paramref name="repairSymbols"/> holds
    /// the repairs named by <paramref name="repairIndices"/>, S bytes each, one after the other.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer repairs than missing sources, or a repair index out of range or given twice.</exception>
    public void Decode(Span<byte> block, ReadOnlySpan<bool> sourcePresent, ReadOnlySpan<int> repairIndices, ReadOnlySpan<byte> repairSymbols)
    {
        CheckBlock(block.Length);
        if (sourcePresent.Length != SourceCount)
            throw new ArgumentException($"Expected one presence flag per source symbol ({SourceCount}), got {sourcePresent.Length}.", nameof(sourcePresent));
        if (repairSymbols.Length != repairIndices.Length * SymbolSize)
            throw new ArgumentException($"{repairIndices.Length} repair index(es) need {repairIndices.Length * SymbolSize} bytes of repair symbols, got {repairSymbols.Length}.", nameof(repairSymbols));
        CheckDistinctRepairIndices(repairIndices);

        missing ??= new int[SourceCount];
        var m = 0;
        for (var i = 0; i < SourceCount; i++)
            if (!sourcePresent[i]) missing[m++] = i;
        if (m == 0) return;
        if (repairIndices.Length < m)
            throw new ArgumentException($"{m} source symbol(s) of the block are missing but only {repairIndices.Length} repair symbol(s) were given; any {m} distinct repairs recover it.", nameof(repairIndices));

        reduced ??= new byte[SourceCount * SymbolSize];
        matrix ??= new byte[SourceCount * 2 * SourceCount];
        var used = repairIndices[..m];

        // repair_j = sum over missing t of C[r_j][t] * source_t + sum over present i of C[r_j][i] * source_i:
        // subtracting (XOR) the known part leaves b_j = A x, with A[j][t] = C[r_j][missing_t]. Sources in the outer
        // loop: each is read once while the m rows of b (m * S bytes) stay in L1, instead of the whole block m times.
        repairSymbols[..(m * SymbolSize)].CopyTo(reduced);
        for (var i = 0; i < SourceCount; i++)
        {
            if (!sourcePresent[i]) continue;
            var source = Symbol(block, i);
            for (var j = 0; j < m; j++)
                GaloisField.MultiplyAdd(coefficients[used[j] * SourceCount + i], source, reduced.AsSpan(j * SymbolSize, SymbolSize));
        }

        var inverse = InvertSubmatrix(used, m);
        for (var t = 0; t < m; t++)
        {
            var target = Symbol(block, missing[t]);
            target.Clear();
            var coefficientsOfT = inverse.Slice(t * 2 * m, m);
            for (var j = 0; j < m; j++) GaloisField.MultiplyAdd(coefficientsOfT[j], reduced.AsSpan(j * SymbolSize, SymbolSize), target);
        }
    }

    /// <summary>
    /// Gauss-Jordan on [A | I] in <see cref="matrix"/> (rows of 2m bytes); returns the matrix, whose right halves
    /// now hold A^-1 (row t at offset t * 2m + m). No row swaps: every leading minor of a Cauchy matrix is itself a
    /// Cauchy determinant, never zero, so each pivot is nonzero in exact field arithmetic.
    /// </summary>
    private Span<byte> InvertSubmatrix(ReadOnlySpan<int> used, int m)
    {
        var width = 2 * m;
        var a = matrix.AsSpan(0, m * width);
        a.Clear();
        for (var j = 0; j < m; j++)
        {
            var row = CoefficientsOf(used[j]);
            for (var t = 0; t < m; t++) a[j * width + t] = row[missing![t]];
            a[j * width + m + j] = 1;
        }
        for (var p = 0; p < m; p++)
        {
            var pivotRow = a.Slice(p * width, width);
            var scale = GaloisField.Inverse(pivotRow[p]);
            for (var k = 0; k < width; k++) pivotRow[k] = GaloisField.Multiply(scale, pivotRow[k]);
            for (var q = 0; q < m; q++)
                if (q != p && a[q * width + p] != 0)
                    GaloisField.MultiplyAdd(a[q * width + p], pivotRow, a.Slice(q * width, width));
        }
        return a[m..];
    }

    private ReadOnlySpan<byte> CoefficientsOf(int repairIndex) => coefficients.AsSpan(repairIndex * SourceCount, SourceCount);

    private Span<byte> Symbol(Span<byte> block, int index) => block.Slice(index * SymbolSize, SymbolSize);

    private ReadOnlySpan<byte> Symbol(ReadOnlySpan<byte> block, int index) => block.Slice(index * SymbolSize, SymbolSize);

    private void CheckBlock(int length)
    {
        if (length != SourceCount * SymbolSize)
            throw new ArgumentException($"A block is {SourceCount} x {SymbolSize} = {SourceCount * SymbolSize} bytes (zero-pad a short last block), got {length}.", "block");
    }

    private void CheckRepairIndex(int repairIndex)
    {
        if ((uint)repairIndex >= (uint)MaxRepairCount)
            throw new ArgumentOutOfRangeException(nameof(repairIndex), repairIndex, $"Repair indices run from 0 to {MaxRepairCount - 1} for {SourceCount} source symbols.");
    }

    private void CheckDistinctRepairIndices(ReadOnlySpan<int> repairIndices)
    {
        Span<bool> seen = stackalloc bool[256];
        foreach (var r in repairIndices)
        {
            if ((uint)r >= (uint)MaxRepairCount)
                throw new ArgumentException($"Repair index {r} is out of range: 0 to {MaxRepairCount - 1} for {SourceCount} source symbols.", nameof(repairIndices));
            if (seen[r])
                throw new ArgumentException($"Repair index {r} is given twice; each repair must be a distinct symbol.", nameof(repairIndices));
            seen[r] = true;
        }
    }
}
