using System.Security.Cryptography;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// The image's Merkle tree in the shape of RFC 6962 (Certificate Transparency): leaf = SHA-256(0x00 || block),
/// node = SHA-256(0x01 || left || right), and a range of n leaves splits at the largest power of two below n, so
/// any block count has exactly one tree. The prefixes keep a leaf from ever being passed off as a node.
/// </summary>
public static class MerkleTree
{
    public const int HashSize = 32;

    // One hasher per thread: a receiver verifies thousands of blocks a second and must not allocate for each.
    [ThreadStatic] private static IncrementalHash? _leafHasher;

    /// <summary>The leaf hash of one block.</summary>
    public static byte[] ComputeLeaf(ReadOnlySpan<byte> block)
    {
        var leaf = new byte[HashSize];
        ComputeLeaf(block, leaf);
        return leaf;
    }

    /// <summary>The leaf hash of one block, written into <paramref name="destination"/> (32 bytes) without allocating.</summary>
    public static void ComputeLeaf(ReadOnlySpan<byte> block, Span<byte> destination)
    {
        var hasher = _leafHasher ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ReadOnlySpan<byte> leafPrefix = [0x00];
        hasher.AppendData(leafPrefix);
        hasher.AppendData(block);
        hasher.GetHashAndReset(destination);
    }

    /// <summary>The root over leaf hashes in block order (the hash of nothing for no leaves, as RFC 6962 says).</summary>
    public static byte[] ComputeRoot(IReadOnlyList<byte[]> leaves)
    {
        var concatenated = new byte[leaves.Count * HashSize];
        for (var i = 0; i < leaves.Count; i++)
        {
            if (leaves[i].Length != HashSize) throw new ArgumentException($"Leaf {i} is {leaves[i].Length} bytes, not {HashSize}.", nameof(leaves));
            leaves[i].CopyTo(concatenated, i * HashSize);
        }
        return ComputeRoot(concatenated);
    }

    /// <summary>The root over leaf hashes laid end to end, 32 bytes each.</summary>
    public static byte[] ComputeRoot(ReadOnlySpan<byte> concatenatedLeaves)
    {
        if (concatenatedLeaves.Length % HashSize != 0)
            throw new ArgumentException($"Leaves must be a multiple of {HashSize} bytes.", nameof(concatenatedLeaves));
        var root = new byte[HashSize];
        if (concatenatedLeaves.IsEmpty) SHA256.HashData(ReadOnlySpan<byte>.Empty, root);
        else SubtreeRoot(concatenatedLeaves, root);
        return root;
    }

    private static void SubtreeRoot(ReadOnlySpan<byte> leaves, Span<byte> destination)
    {
        var count = leaves.Length / HashSize;
        if (count == 1)
        {
            leaves.CopyTo(destination);
            return;
        }
        var split = LargestPowerOfTwoBelow(count) * HashSize;
        Span<byte> node = stackalloc byte[1 + 2 * HashSize];
        node[0] = 0x01;
        SubtreeRoot(leaves[..split], node.Slice(1, HashSize));
        SubtreeRoot(leaves[split..], node.Slice(1 + HashSize, HashSize));
        SHA256.HashData(node, destination);
    }

    /// <summary>The largest power of two strictly smaller than <paramref name="n"/> (n ≥ 2).</summary>
    private static int LargestPowerOfTwoBelow(int n) => 1 << (31 - System.Numerics.BitOperations.LeadingZeroCount((uint)(n - 1)));
}
