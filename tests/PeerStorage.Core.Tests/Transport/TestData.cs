using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PeerStorage.Core.Tests.Transport;

/// <summary>Deterministic payloads and their hashes, so a test can check bulk transfers byte for byte.</summary>
internal static class TestData
{
    public static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>Writes <paramref name="total"/> seeded bytes in <paramref name="chunk"/>-sized writes; returns their SHA-256.</summary>
    public static async Task<byte[]> WriteSeededAsync(Stream stream, long total, int seed, int chunk = 64 * 1024, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(seed);
        var buffer = new byte[chunk];
        for (long sent = 0; sent < total;)
        {
            var n = (int)Math.Min(chunk, total - sent);
            random.NextBytes(buffer.AsSpan(0, n));
            hash.AppendData(buffer, 0, n);
            await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            sent += n;
        }
        return hash.GetHashAndReset();
    }

    public static async Task<(long Length, byte[] Hash)> ReadAllAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[48 * 1024];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
        }
        return (total, hash.GetHashAndReset());
    }

    public static byte[] Header(long length, int seed)
    {
        var header = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(header, length);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), seed);
        return header;
    }

    public static (long Length, int Seed) ParseHeader(ReadOnlySpan<byte> header) =>
        (BinaryPrimitives.ReadInt64BigEndian(header), BinaryPrimitives.ReadInt32BigEndian(header[8..]));
}
