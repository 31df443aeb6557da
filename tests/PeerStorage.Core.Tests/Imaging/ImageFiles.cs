using PeerStorage.Core.Multicast;
using PeerStorage.Core.Tests.Vault;

namespace PeerStorage.Core.Tests.Imaging;

/// <summary>Test images: random bytes in a file, with their manifest.</summary>
internal static class ImageFiles
{
    public static async Task<(string Path, byte[] Bytes, ImageManifest Manifest)> CreateAsync(string path, int length, int blockSize, int seed = 1)
    {
        var bytes = VaultDataTests.Random(length, seed);
        await File.WriteAllBytesAsync(path, bytes);
        return (path, bytes, await ImageManifest.CreateAsync(path, blockSize));
    }

    /// <summary>The bytes of one block of <paramref name="image"/>.</summary>
    public static ReadOnlySpan<byte> Block(byte[] image, ImageManifest manifest, int block) =>
        image.AsSpan((int)manifest.BlockOffset(block), manifest.BlockLength(block));

    /// <summary>An IProgress that records synchronously (Progress&lt;T&gt; posts, and would race the assertions).</summary>
    public sealed class Recorder(Action<long>? onReport = null) : IProgress<long>
    {
        private long _last;
        public long Last => Interlocked.Read(ref _last);

        public void Report(long value)
        {
            long seen;
            do seen = Interlocked.Read(ref _last);
            while (value > seen && Interlocked.CompareExchange(ref _last, value, seen) != seen);
            onReport?.Invoke(value);
        }
    }
}
