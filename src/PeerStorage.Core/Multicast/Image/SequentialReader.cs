using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// Reads the first bytes of a file or block device front to back in large chunks, reading the next chunk while the
/// caller works on the current one (hashing or writing), so the disk and the CPU are busy at the same time.
/// </summary>
internal static class SequentialReader
{
    public const int DefaultChunkSize = 4 * 1024 * 1024;

    /// <summary>A chunk size near the default that is a whole number of blocks, so no block straddles two chunks.</summary>
    public static int ChunkSizeFor(int blockSize) => Math.Max(1, DefaultChunkSize / blockSize) * blockSize;

    public static SafeFileHandle OpenForReading(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.SequentialScan);

    /// <summary>
    /// Hands [0, length) to <paramref name="consume"/> in order as (chunk, offset); reports the bytes consumed so far.
    /// A source shorter than <paramref name="length"/> is an EndOfStreamException.
    /// </summary>
    public static async Task ReadAsync(SafeFileHandle source, long length, int chunkSize,
        Func<ReadOnlyMemory<byte>, long, ValueTask> consume, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        byte[][] buffers = [ArrayPool<byte>.Shared.Rent(chunkSize), ArrayPool<byte>.Shared.Rent(chunkSize)];
        Task<int>? pending = null;
        try
        {
            long offset = 0;
            var current = 0;
            pending = length > 0 ? FillAsync(source, buffers[0].AsMemory(0, (int)Math.Min(chunkSize, length)), 0, cancellationToken) : null;
            while (pending is not null)
            {
                var count = await pending.ConfigureAwait(false);
                pending = null;
                var chunkOffset = offset;
                offset += count;
                if (offset < length)
                    pending = FillAsync(source, buffers[1 - current].AsMemory(0, (int)Math.Min(chunkSize, length - offset)), offset, cancellationToken);
                await consume(buffers[current].AsMemory(0, count), chunkOffset).ConfigureAwait(false);
                progress?.Report(offset);
                current = 1 - current;
            }
        }
        finally
        {
            // A read still in flight writes into a pooled buffer: let it land before the buffer goes back.
            if (pending is not null) await pending.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            foreach (var buffer in buffers) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>SHA-256 (lower-case hex, as sha256sum prints it) of the first <paramref name="length"/> bytes behind a handle.</summary>
    public static async Task<string> Sha256Async(SafeFileHandle source, long length, IProgress<long>? bytesHashed, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await ReadAsync(source, length, DefaultChunkSize, (chunk, _) =>
        {
            hash.AppendData(chunk.Span);
            return ValueTask.CompletedTask;
        }, bytesHashed, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task<int> FillAsync(SafeFileHandle source, Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = await RandomAccess.ReadAsync(source, buffer[done..], offset + done, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException($"The source ends at byte {offset + done}; {offset + buffer.Length} were expected.");
            done += n;
        }
        return done;
    }
}
