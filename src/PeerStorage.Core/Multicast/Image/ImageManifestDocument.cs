using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// The manifest file: camelCase JSON with the leaves as one base64 string of 32-byte hashes end to end. Parsing
/// checks every field and recomputes the Merkle root, so a manifest object only ever exists in a consistent state.
/// </summary>
internal sealed class ImageManifestDocument
{
    // Generated at build time: reflection-based (de)serialization costs a fresh process tens of milliseconds of JIT
    // before its first manifest, on the path from start to joining a multicast.
    private static readonly ImageManifestJson Json = ImageManifestJson.Default;

    public int? FormatVersion { get; set; }
    public string? Hash { get; set; }
    public long? Size { get; set; }
    public int? BlockSize { get; set; }
    public int? BlockCount { get; set; }
    public int? SectorSize { get; set; }
    public long? MinimumCapacity { get; set; }
    public string? MerkleRoot { get; set; }
    public string? Leaves { get; set; }

    public static bool IsValidSectorSize(int sectorSize) => sectorSize is >= 512 and <= 4096 && int.IsPow2(sectorSize);

    /// <summary>ceil(size / blockSize), or null when that is more blocks than an int counts.</summary>
    public static int? BlockCountFor(long size, int blockSize)
    {
        var count = (size + blockSize - 1) / blockSize;
        return count <= int.MaxValue / MerkleTree.HashSize ? (int)count : null;
    }

    public static byte[] Serialize(ImageManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(new ImageManifestDocument
    {
        FormatVersion = ImageManifest.CurrentFormatVersion,
        Hash = manifest.Hash,
        Size = manifest.Size,
        BlockSize = manifest.BlockSize,
        BlockCount = manifest.BlockCount,
        SectorSize = manifest.SectorSize,
        MinimumCapacity = manifest.MinimumCapacity,
        MerkleRoot = manifest.MerkleRoot,
        Leaves = Convert.ToBase64String(manifest.LeafHashes),
    }, Json.ImageManifestDocument);

    public static ImageManifest Parse(ReadOnlySpan<byte> json, string? source)
    {
        var where = source is null ? "The image manifest" : $"The image manifest '{source}'";
        ImageManifestDocument document;
        try { document = JsonSerializer.Deserialize(json, Json.ImageManifestDocument) ?? throw new JsonException("it is null"); }
        catch (JsonException e) { throw new ImageManifestException(ImageManifestException.Invalid, $"{where} is not valid JSON: {e.Message}", e, source); }

        ImageManifestException Invalid(string id, string what) => new(id, $"{where} is invalid: {what}.", target: source);
        ImageManifestException Bad(string what) => Invalid(ImageManifestException.Invalid, what);

        if (document.FormatVersion is not { } version) throw Bad("formatVersion is missing");
        if (version != ImageManifest.CurrentFormatVersion)
            throw Invalid(ImageManifestException.VersionUnsupported, $"format version {version}; this engine reads version {ImageManifest.CurrentFormatVersion}");
        var hash = HexHash(document.Hash) ?? throw Bad("hash must be 64 hex digits (the image's SHA-256)");
        if (document.Size is not (> 0 and var size)) throw Bad($"size must be positive (it is {document.Size?.ToString() ?? "missing"})");
        if (document.BlockSize is not (> 0 and <= ImageManifest.MaximumBlockSize and var blockSize))
            throw Bad($"blockSize must be 1 to {ImageManifest.MaximumBlockSize} (it is {document.BlockSize?.ToString() ?? "missing"})");
        var sectorSize = document.SectorSize ?? ImageManifest.DefaultSectorSize;
        if (!IsValidSectorSize(sectorSize)) throw Bad($"sectorSize must be a power of two from 512 to 4096 (it is {sectorSize})");
        var minimumCapacity = document.MinimumCapacity ?? size;
        if (minimumCapacity < size) throw Bad($"minimumCapacity {minimumCapacity} is below the image size {size}");
        var blockCount = BlockCountFor(size, blockSize) ?? throw Bad($"{size} bytes in {blockSize}-byte blocks are too many blocks");
        if (document.BlockCount is { } stated && stated != blockCount)
            throw Invalid(ImageManifestException.LeavesMismatch, $"blockCount is {stated} but {size} bytes in {blockSize}-byte blocks make {blockCount}");
        var root = HexHash(document.MerkleRoot) ?? throw Bad("merkleRoot must be 64 hex digits");

        byte[] leaves;
        try { leaves = Convert.FromBase64String(document.Leaves ?? throw Bad("leaves are missing")); }
        catch (FormatException e) { throw new ImageManifestException(ImageManifestException.Invalid, $"{where} is invalid: leaves are not base64.", e, source); }
        if (leaves.Length != (long)blockCount * MerkleTree.HashSize)
            throw Invalid(ImageManifestException.LeavesMismatch,
                $"{leaves.Length} bytes of leaves, but {blockCount} blocks need {(long)blockCount * MerkleTree.HashSize} ({MerkleTree.HashSize} per block)");
        if (Convert.ToHexStringLower(MerkleTree.ComputeRoot(leaves)) != root)
            throw Invalid(ImageManifestException.RootMismatch, "the leaves do not hash to the stated merkleRoot (damaged or tampered with)");

        return new ImageManifest(hash, size, blockSize, sectorSize, minimumCapacity, leaves, root);
    }

    /// <summary>A SHA-256 in hex, lower-cased, or null when it is not 64 hex digits.</summary>
    private static string? HexHash(string? text) =>
        text is { Length: 2 * MerkleTree.HashSize } && text.All(char.IsAsciiHexDigit) ? text.ToLowerInvariant() : null;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(ImageManifestDocument))]
internal sealed partial class ImageManifestJson : JsonSerializerContext;
