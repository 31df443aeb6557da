using System.Security.Cryptography;
using PeerStorage.Core.Multicast;

namespace PeerStorage.Core.Tests.Imaging;

/// <summary>The RFC 6962 shape, checked against trees composed by hand.</summary>
public sealed class MerkleTreeTests
{
    private static readonly byte[][] Leaves = Enumerable.Range(0, 5).Select(i => MerkleTree.ComputeLeaf([(byte)i, 42])).ToArray();

    private static byte[] Node(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    [Fact]
    public void LeafIsSha256OfZeroPrefixAndBlock() =>
        Assert.Equal(SHA256.HashData([0x00, 7, 8, 9]), MerkleTree.ComputeLeaf([7, 8, 9]));

    [Fact]
    public void OneLeafIsItsOwnRoot() => Assert.Equal(Leaves[0], MerkleTree.ComputeRoot(Leaves[..1]));

    [Fact]
    public void TwoLeavesHashUnderOneNode() => Assert.Equal(Node(Leaves[0], Leaves[1]), MerkleTree.ComputeRoot(Leaves[..2]));

    [Fact]
    public void ThreeLeavesSplitTwoAndOne() =>
        Assert.Equal(Node(Node(Leaves[0], Leaves[1]), Leaves[2]), MerkleTree.ComputeRoot(Leaves[..3]));

    [Fact]
    public void FiveLeavesSplitFourAndOne() =>
        Assert.Equal(Node(Node(Node(Leaves[0], Leaves[1]), Node(Leaves[2], Leaves[3])), Leaves[4]), MerkleTree.ComputeRoot(Leaves));

    [Fact]
    public void NoLeavesHashAsTheEmptyString() => Assert.Equal(SHA256.HashData([]), MerkleTree.ComputeRoot(Array.Empty<byte[]>()));

    [Fact]
    public void ConcatenatedLeavesGiveTheSameRoot() =>
        Assert.Equal(MerkleTree.ComputeRoot(Leaves), MerkleTree.ComputeRoot(Leaves.SelectMany(l => l).ToArray().AsSpan()));

    [Fact]
    public void ALeafOfTheWrongLengthIsRefused() =>
        Assert.Throws<ArgumentException>(() => MerkleTree.ComputeRoot([Leaves[0], new byte[31]]));
}
