using PeerStorage.Core.Transport;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Leasing;

/// <summary>
/// Moves an upload's bytes into the vault writer opened for it, at most the announced length, and says how many came.
/// Two sources: the data channel's frames (each checked, then written from the buffer it arrived in) or any stream (a
/// stream on the TLS session), read in large pieces.
/// </summary>
internal static class UploadIntoVault
{
    /// <summary>Stream uploads reach the vault in pieces this big: large enough to amortize the vault's per-call work.</summary>
    private const int StreamPiece = 8 * 1024 * 1024;

    public static Task<long> CopyAsync(Stream source, VaultWriter writer, long storedLength, CancellationToken cancellationToken) =>
        source is BulkReadStream frames
            ? FromFramesAsync(frames, writer, storedLength, cancellationToken)
            : FromStreamAsync(source, writer, storedLength, cancellationToken);

    private static Task<long> FromFramesAsync(BulkReadStream frames, VaultWriter writer, long storedLength, CancellationToken cancellationToken)
    {
        long received = 0;
        return frames.ConsumeFramesAsync(payload =>
        {
            if (received + payload.Length > storedLength) throw TooLong(storedLength);
            writer.Write(payload);
            received += payload.Length;
        }, cancellationToken);
    }

    /// <summary>Two buffers: while one goes to the writer on a worker, the next fills from the stream.</summary>
    private static async Task<long> FromStreamAsync(Stream source, VaultWriter writer, long storedLength, CancellationToken cancellationToken)
    {
        var size = (int)Math.Min(StreamPiece, Math.Max(1, storedLength));
        byte[][] buffers = [new byte[size], new byte[size]];
        var pending = Task.CompletedTask;
        long received = 0;
        try
        {
            for (var turn = 0; ; turn ^= 1)
            {
                var buffer = buffers[turn];
                var filled = 0;
                while (filled < buffer.Length)
                {
                    var read = await source.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                    if (read == 0) break;
                    filled += read;
                    if (received + filled > storedLength) throw TooLong(storedLength);
                }
                await pending.ConfigureAwait(false);
                if (filled == 0) return received;
                pending = Task.Run(() => writer.Write(buffer.AsSpan(0, filled)), CancellationToken.None);
                received += filled;
            }
        }
        finally
        {
            // Never leave a worker writing from a buffer or a writer the caller is about to drop.
            // When the loop failed, its failure is the one reported; the worker's own outcome no longer matters.
            await pending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static PeerStorageException TooLong(long storedLength) =>
        LeaseErrors.InvalidArgument($"The upload carries more than the {storedLength} bytes it announced; nothing was stored.", storedLength);
}
