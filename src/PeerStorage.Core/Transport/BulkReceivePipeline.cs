using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace PeerStorage.Core.Transport;

/// <summary>
/// The receiving end of a data channel as three stages. One receives frames into a few large buffers, the payloads
/// of consecutive frames back to back (their tags aside); the next checks every tag of a full buffer; the last hands
/// its payloads to the consumer as one span, from where they arrived, then gives the buffer back. So the socket copy
/// of the next frames, the check and the consumer's work (which may wait for a disk) run side by side, nothing is
/// copied in between, and the consumer gets large pieces whatever the frame size.
/// </summary>
internal static class BulkReceivePipeline
{
    /// <summary>Buffers in flight between the stages.</summary>
    private const int Depth = 4;
    /// <summary>Payload bytes per buffer: several frames, so the consumer's per-call work (a vault write) is amortized.</summary>
    private const int BatchBytes = 8 * 1024 * 1024;
    /// <summary>Frames per buffer at most, so tiny frames cannot grow the tag list without bound.</summary>
    private const int MaxFrames = 256;

    /// <summary>Payloads of consecutive frames, and each frame's length and tag.</summary>
    private sealed class Batch
    {
        public readonly byte[] Payloads = new byte[BatchBytes];
        public readonly int[] Lengths = new int[MaxFrames];
        public readonly byte[] Tags = new byte[MaxFrames * BulkChannel.TagBytes];
        public int Filled;
        public int Frames;

        public bool Fits(int length) => Frames < MaxFrames && Filled + length <= Payloads.Length;

        public void Reset() => Filled = Frames = 0;
    }

    public static async Task<long> RunAsync(BulkReadStream stream, Action<ReadOnlySpan<byte>> consume, CancellationToken cancellationToken)
    {
        var free = Channel.CreateBounded<Batch>(Depth);
        var received = Channel.CreateBounded<Batch>(Depth);
        for (var i = 0; i < Depth; i++) free.Writer.TryWrite(new Batch());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receiving = Task.Run(() => ReceiveAsync(stream, free.Reader, received.Writer, stop.Token), CancellationToken.None);
        // The consumer works on one checked batch on a worker while the next is checked: its call may wait (a vault
        // write into the page cache, a batch's journal record), and that wait must not hold up the check or the socket.
        var consuming = Task.CompletedTask;
        Batch? beingConsumed = null;
        long consumed = 0;
        try
        {
            while (true)
            {
                var batch = await received.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                var ended = false;
                for (int frame = 0, at = 0; frame < batch.Frames; at += batch.Lengths[frame++])
                {
                    // Every frame of the batch is checked before any of its bytes go on.
                    stream.Verify(batch.Payloads.AsSpan(at, batch.Lengths[frame]), batch.Tags.AsSpan(frame * BulkChannel.TagBytes, BulkChannel.TagBytes));
                    ended = batch.Lengths[frame] == 0;
                }
                await consuming.ConfigureAwait(false);
                if (beingConsumed is not null) free.Writer.TryWrite(beingConsumed);
                beingConsumed = batch;
                if (batch.Filled > 0) consuming = Task.Run(() => consume(batch.Payloads.AsSpan(0, batch.Filled)), CancellationToken.None);
                consumed += batch.Filled;
                if (ended)
                {
                    await consuming.ConfigureAwait(false);
                    return consumed;
                }
            }
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException); // the receiving stage's failure, as it happened
            throw;
        }
        finally
        {
            // The receiving stage and the consumer stop with this one: neither may touch a buffer (or the caller's
            // writer) after the caller has moved on.
            await stop.CancelAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await consuming.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Receives frames until one claims to be the end (the checking stage decides whether it is).</summary>
    private static async Task ReceiveAsync(BulkReadStream stream, ChannelReader<Batch> free, ChannelWriter<Batch> received, CancellationToken cancellationToken)
    {
        try
        {
            var batch = await free.ReadAsync(cancellationToken).ConfigureAwait(false);
            batch.Reset();
            while (true)
            {
                var length = await stream.ReceiveLengthAsync(cancellationToken).ConfigureAwait(false);
                if (!batch.Fits(length))
                {
                    await received.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch = await free.ReadAsync(cancellationToken).ConfigureAwait(false);
                    batch.Reset();
                }
                await stream.ReceiveAsync(batch.Payloads.AsMemory(batch.Filled, length), cancellationToken).ConfigureAwait(false);
                await stream.ReceiveAsync(batch.Tags.AsMemory(batch.Frames * BulkChannel.TagBytes, BulkChannel.TagBytes), cancellationToken).ConfigureAwait(false);
                batch.Lengths[batch.Frames++] = length;
                batch.Filled += length;
                if (length == 0) break;
            }
            await received.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            received.TryComplete();
        }
        catch (Exception e)
        {
            received.TryComplete(e);
        }
    }
}
