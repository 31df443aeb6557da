using System.Runtime.CompilerServices;

namespace PeerStorage.Core.Transport;

/// <summary>
/// Reads frames from the (TLS) stream: the header into a fixed buffer, the payload straight into a buffer chosen by
/// the caller after the header was checked. Ending inside a frame is a violation; ending between frames is not.
/// </summary>
internal sealed class FrameReader(Stream stream, int maxFramePayload)
{
    private readonly byte[] _header = new byte[FrameHeader.Size];

    /// <summary>The next checked header, or null when the peer closed the connection between frames.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<FrameHeader?> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < FrameHeader.Size)
        {
            var n = await stream.ReadAsync(_header.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0) return null;
                throw new ProtocolViolationException($"the connection ended inside a frame header ({read} of {FrameHeader.Size} bytes)");
            }
            read += n;
        }
        if (!FrameHeader.TryRead(_header, maxFramePayload, out var header, out var violation))
            throw new ProtocolViolationException(violation);
        return header;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReadPayloadAsync(Memory<byte> destination, FrameType type, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < destination.Length)
        {
            var n = await stream.ReadAsync(destination[read..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new ProtocolViolationException($"the connection ended inside a {type} frame ({read} of {destination.Length} payload bytes)");
            read += n;
        }
    }

    /// <summary>Reads and drops a payload (data for a stream that was already closed on this side).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SkipPayloadAsync(int length, Memory<byte> scratch, FrameType type, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            var chunk = Math.Min(length, scratch.Length);
            await ReadPayloadAsync(scratch[..chunk], type, cancellationToken).ConfigureAwait(false);
            length -= chunk;
        }
    }
}
