using System.Buffers;

namespace PeerStorage.Core.Transport;

/// <summary>
/// Bytes received on one stream and not yet read: a queue of pooled segments. A large frame's payload is read
/// straight into its own segment; small frames are copied into the free tail of the last segment, so a flood of tiny
/// frames costs memory in proportion to their bytes, not their count. Not thread-safe: the stream's lock guards it.
/// </summary>
internal sealed class ReceiveBuffer
{
    /// <summary>Payloads up to this size are copied into shared segments rather than given one each.</summary>
    public const int SmallPayload = 4096;
    private const int SharedSegmentSize = 16 * 1024;

    private Segment[] _segments = new Segment[4];
    private int _head;
    private int _count;

    public int Length { get; private set; }

    /// <summary>Takes ownership of a pooled array holding <paramref name="length"/> received bytes.</summary>
    public void AppendOwned(byte[] pooledArray, int length)
    {
        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(pooledArray);
            return;
        }
        Push(new Segment(pooledArray, 0, length));
        Length += length;
    }

    public void AppendCopy(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        if (_count > 0)
        {
            ref var tail = ref _segments[(_head + _count - 1) % _segments.Length];
            if (tail.Array.Length - tail.End >= data.Length)
            {
                data.CopyTo(tail.Array.AsSpan(tail.End));
                tail.End += data.Length;
                Length += data.Length;
                return;
            }
        }
        var array = ArrayPool<byte>.Shared.Rent(Math.Max(SharedSegmentSize, data.Length));
        data.CopyTo(array);
        Push(new Segment(array, 0, data.Length));
        Length += data.Length;
    }

    /// <summary>Moves up to destination.Length bytes out; fully read segments go back to the pool.</summary>
    public int CopyTo(Span<byte> destination)
    {
        var copied = 0;
        while (copied < destination.Length && _count > 0)
        {
            ref var head = ref _segments[_head];
            var n = Math.Min(head.End - head.Start, destination.Length - copied);
            head.Array.AsSpan(head.Start, n).CopyTo(destination[copied..]);
            head.Start += n;
            copied += n;
            if (head.Start == head.End) PopHead();
        }
        Length -= copied;
        return copied;
    }

    /// <summary>Drops everything (the stream was reset or closed) and returns the segments to the pool.</summary>
    public void Clear()
    {
        while (_count > 0) PopHead();
        Length = 0;
    }

    private void Push(Segment segment)
    {
        if (_count == _segments.Length)
        {
            var larger = new Segment[_segments.Length * 2];
            for (var i = 0; i < _count; i++) larger[i] = _segments[(_head + i) % _segments.Length];
            _segments = larger;
            _head = 0;
        }
        _segments[(_head + _count) % _segments.Length] = segment;
        _count++;
    }

    private void PopHead()
    {
        ArrayPool<byte>.Shared.Return(_segments[_head].Array);
        _segments[_head] = default;
        _head = (_head + 1) % _segments.Length;
        _count--;
    }

    private struct Segment(byte[] array, int start, int end)
    {
        public readonly byte[] Array = array;
        public int Start = start;
        public int End = end;
    }
}
