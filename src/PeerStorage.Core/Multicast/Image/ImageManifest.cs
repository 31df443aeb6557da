using System.Security.Cryptography;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// What identifies a disk image and lets every block of it be verified on arrival: the SHA-256 of the whole image
/// (as <c>sha256sum</c> prints it, so an admin can check it by hand), its size, the target-drive parameters it needs
/// (sector size, minimum capacity), and one Merkle leaf per block of <see cref="BlockSize"/> bytes (the last block
/// may be short) under <see cref="MerkleRoot"/>. Immutable. Beside an image on a server it is
/// <c>&lt;image URL&gt;.manifest.json</c> (<see cref="ManifestUriFor"/>).
/// </summary>
public sealed class ImageManifest
{
    public const int CurrentFormatVersion = 1;
    public const int DefaultBlockSize = 65536;
    public const int DefaultSectorSize = 512;
    /// <summary>The largest block the engine buffers whole (receivers hold a block in memory to verify it).</summary>
    public const int MaximumBlockSize = 64 * 1024 * 1024;
    public const string ManifestSuffix = ".manifest.json";

    private readonly byte[] _leaves; // 32 bytes per block, in block order; never handed out writable
    private IReadOnlyList<ReadOnlyMemory<byte>>? _leafList;

    internal ImageManifest(string hash, long size, int blockSize, int sectorSize, long minimumCapacity, byte[] leaves, string merkleRoot)
    {
        Hash = hash;
        Size = size;
        BlockSize = blockSize;
        SectorSize = sectorSize;
        MinimumCapacity = minimumCapacity;
        _leaves = leaves;
        MerkleRoot = merkleRoot;
        BlockCount = leaves.Length / MerkleTree.HashSize;
    }

    /// <summary>SHA-256 of the whole image, lower-case hex.</summary>
    public string Hash { get; }
    public long Size { get; }
    public int BlockSize { get; }
    /// <summary>The logical sector size the target drive must have.</summary>
    public int SectorSize { get; }
    /// <summary>The smallest target drive the image works on (at least <see cref="Size"/>).</summary>
    public long MinimumCapacity { get; }
    /// <summary>The root over <see cref="Leaves"/>, lower-case hex; what a sender signs and a receiver trusts.</summary>
    public string MerkleRoot { get; }
    public int BlockCount { get; }

    /// <summary>The leaf hash of every block, in block order.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Leaves =>
        _leafList ??= Enumerable.Range(0, BlockCount).Select(b => (ReadOnlyMemory<byte>)_leaves.AsMemory(b * MerkleTree.HashSize, MerkleTree.HashSize)).ToArray();

    /// <summary>All leaf hashes end to end (32 bytes per block), as the manifest file stores them.</summary>
    public ReadOnlySpan<byte> LeafHashes => _leaves;

    public ReadOnlySpan<byte> Leaf(int block) => _leaves.AsSpan(CheckBlock(block) * MerkleTree.HashSize, MerkleTree.HashSize);

    public long BlockOffset(int block) => (long)CheckBlock(block) * BlockSize;

    public int BlockLength(int block) => (int)Math.Min(BlockSize, Size - BlockOffset(block));

    /// <summary>True when <paramref name="data"/> is exactly block <paramref name="block"/>: its length and its leaf.</summary>
    public bool VerifyBlock(int block, ReadOnlySpan<byte> data)
    {
        if ((uint)block >= (uint)BlockCount || data.Length != BlockLength(block)) return false;
        Span<byte> leaf = stackalloc byte[MerkleTree.HashSize];
        MerkleTree.ComputeLeaf(data, leaf);
        return leaf.SequenceEqual(Leaf(block));
    }

    /// <summary>Where the manifest of the image at <paramref name="imageUri"/> lives on its server.</summary>
    public static Uri ManifestUriFor(Uri imageUri) => new UriBuilder(imageUri) { Path = imageUri.AbsolutePath + ManifestSuffix }.Uri;

    /// <summary>
    /// Reads the image (a file or a block device) once, front to back, and computes its hash and leaves.
    /// <paramref name="bytesHashed"/> receives the bytes read so far.
    /// </summary>
    public static async Task<ImageManifest> CreateAsync(string imagePath, int blockSize = DefaultBlockSize, int sectorSize = DefaultSectorSize,
        long? minimumCapacity = null, IProgress<long>? bytesHashed = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockSize, MaximumBlockSize);
        if (!ImageManifestDocument.IsValidSectorSize(sectorSize))
            throw new ArgumentOutOfRangeException(nameof(sectorSize), sectorSize, "The sector size must be a power of two from 512 to 4096.");
        if (!File.Exists(imagePath)) throw new FileNotFoundException($"No image at '{imagePath}'.", imagePath);
        var size = StorageLength.Of(imagePath);
        if (size == 0) throw new ArgumentException($"The image '{imagePath}' is empty.", nameof(imagePath));
        var capacity = minimumCapacity ?? size;
        if (capacity < size) throw new ArgumentOutOfRangeException(nameof(minimumCapacity), capacity, $"The minimum capacity cannot be below the image size ({size}).");
        var blockCount = ImageManifestDocument.BlockCountFor(size, blockSize)
                         ?? throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, $"A {size}-byte image needs a larger block size (more than {int.MaxValue} blocks).");

        var leaves = new byte[blockCount * (long)MerkleTree.HashSize];
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var source = SequentialReader.OpenForReading(imagePath))
        {
            await SequentialReader.ReadAsync(source, size, SequentialReader.ChunkSizeFor(blockSize), (chunk, offset) =>
            {
                // The whole-image hash and the leaves are independent: two cores, two hashes.
                var wholeTask = Task.Run(() => whole.AppendData(chunk.Span), cancellationToken);
                var firstBlock = (int)(offset / blockSize);
                for (var at = 0; at < chunk.Length; at += blockSize)
                    MerkleTree.ComputeLeaf(chunk.Span.Slice(at, Math.Min(blockSize, chunk.Length - at)),
                        leaves.AsSpan((firstBlock + at / blockSize) * MerkleTree.HashSize, MerkleTree.HashSize));
                return new ValueTask(wholeTask);
            }, bytesHashed, cancellationToken).ConfigureAwait(false);
        }
        var root = MerkleTree.ComputeRoot(leaves);
        return new ImageManifest(Convert.ToHexStringLower(whole.GetHashAndReset()), size, blockSize, sectorSize, capacity, leaves, Convert.ToHexStringLower(root));
    }

    /// <summary>The manifest file's bytes (UTF-8 JSON).</summary>
    public byte[] ToJson() => ImageManifestDocument.Serialize(this);

    /// <summary>Writes the manifest file (whole or not at all: a temp file renamed over the path).</summary>
    public void Save(string path)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(ToJson());
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally { File.Delete(temp); }
    }

    /// <summary>Reads and validates a manifest file; throws <see cref="ImageManifestException"/>.</summary>
    public static ImageManifest Load(string path)
    {
        byte[] json;
        try { json = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageManifestException(ImageManifestException.NotFound, $"No image manifest at '{path}'.", e, path);
        }
        return ImageManifestDocument.Parse(json, path);
    }

    /// <summary>Validates a manifest's JSON completely (never trusts a field it did not check); throws <see cref="ImageManifestException"/>.</summary>
    public static ImageManifest Parse(ReadOnlySpan<byte> json) => ImageManifestDocument.Parse(json, source: null);

    private int CheckBlock(int block)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, BlockCount);
        return block;
    }
}
