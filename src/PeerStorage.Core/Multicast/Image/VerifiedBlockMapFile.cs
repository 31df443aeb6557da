using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// The staging's persistent map of verified blocks, <c>&lt;staging&gt;.blocks</c>: a header naming the image it
/// belongs to (hash, Merkle root, size, block size, block count), a bitmap (one bit per block, in 64-bit words) and a
/// checksum over both. A map that is missing, for another image or damaged is never trusted: the receiver starts over.
/// </summary>
internal static class VerifiedBlockMapFile
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("PSIMGMAP");
    private const int Version = 1;
    private const int HeaderSize = 8 + 4 + 8 + 4 + 4 + 32 + 32; // magic, version, size, block size, block count, hash, root
    private const int ChecksumSize = 8;

    public static int WordCount(int blockCount) => (blockCount + 63) / 64;

    /// <summary>The verified-block bitmap stored for this manifest, or null when none can be trusted.</summary>
    public static ulong[]? TryLoad(string path, ImageManifest manifest)
    {
        var words = WordCount(manifest.BlockCount);
        byte[] file;
        try
        {
            if (new FileInfo(path) is not { Exists: true } info || info.Length != HeaderSize + words * 8 + ChecksumSize) return null;
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        if (file.Length != HeaderSize + words * 8 + ChecksumSize) return null;
        var body = file.AsSpan(0, file.Length - ChecksumSize);
        if (XxHash64.HashToUInt64(body) != BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(body.Length))) return null;
        if (!body[..HeaderSize].SequenceEqual(Header(manifest))) return null;

        var bitmap = new ulong[words];
        for (var i = 0; i < words; i++) bitmap[i] = BinaryPrimitives.ReadUInt64LittleEndian(body.Slice(HeaderSize + i * 8, 8));
        // Bits past the last block can only come from damage the checksum happened to miss, or from a bug: distrust.
        var spare = words * 64 - manifest.BlockCount;
        if (spare > 0 && (bitmap[^1] >> (64 - spare)) != 0) return null;
        return bitmap;
    }

    /// <summary>Replaces the map with <paramref name="bitmap"/>: temp file, fsync, rename, so a crash leaves the old map or the new.</summary>
    public static void Save(string path, ImageManifest manifest, ReadOnlySpan<ulong> bitmap)
    {
        var file = new byte[HeaderSize + bitmap.Length * 8 + ChecksumSize];
        Header(manifest).CopyTo(file, 0);
        for (var i = 0; i < bitmap.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(HeaderSize + i * 8, 8), bitmap[i]);
        var bodyLength = file.Length - ChecksumSize;
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(bodyLength), XxHash64.HashToUInt64(file.AsSpan(0, bodyLength)));

        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write)) // Create: a temp left by a crash is overwritten
        {
            stream.Write(file);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static byte[] Header(ImageManifest manifest)
    {
        var header = new byte[HeaderSize];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], manifest.Size);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], manifest.BlockSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], manifest.BlockCount);
        Convert.FromHexString(manifest.Hash).CopyTo(span[28..]);
        Convert.FromHexString(manifest.MerkleRoot).CopyTo(span[60..]);
        return header;
    }
}
