using System.Buffers.Binary;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Tests.Transport;

/// <summary>
/// Makes client-side frame sequences for fuzzing: mostly well-formed (opens, data within the window, window
/// updates, pings, error frames, goaways), then mutated: bit flips, truncations, huge or lying lengths, unknown
/// types, garbage, frames for streams never opened, reused ids, window overflows.
/// </summary>
internal sealed class FrameFuzzer(int seed, int maxFramePayload, int streamWindow)
{
    private static readonly string[] Methods = ["echo", "sink", "no-such-method"];
    private readonly Random _random = new(seed);

    public enum Mutation { None, BitFlips, Truncate, HugeLength, LyingLength, UnknownType, Garbage, PureNoise, NeverOpenedStream, ReusedId, WindowOverflow, DataAfterEnd }

    public (byte[] Bytes, Mutation Mutation) Next()
    {
        var frames = ValidFrames();
        var mutation = (Mutation)_random.Next(Enum.GetValues<Mutation>().Length);
        var bytes = Apply(mutation, frames);
        // A goaway ends a connection gracefully, so it only ever comes last: it must not hide a mutation.
        if (_random.Next(6) == 0)
            bytes = [.. bytes, .. Frame(FrameType.GoAway, FrameFlags.None, 0, new GoAwayMessage(0, new ErrorMessage(PeerErrorKind.ConnectionError, "Fuzz", "bye")).Encode())];
        return (bytes, mutation);
    }

    /// <summary>A sequence that only ever claims an absurd payload length, for the allocation check.</summary>
    public byte[] HugeLengthHeader()
    {
        var header = new byte[FrameHeader.Size];
        new FrameHeader((FrameType)_random.Next(1, 8), FrameFlags.None, (uint)_random.Next(0, 4), 0).Write(header);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), (uint)_random.NextInt64(maxFramePayload + 1L, uint.MaxValue + 1L));
        return header;
    }

    private List<byte[]> ValidFrames()
    {
        var frames = new List<byte[]>();
        var open = new List<uint>();
        uint next = 1;
        var count = _random.Next(1, 8);
        for (var i = 0; i < count; i++)
        {
            var choice = open.Count == 0 ? _random.Next(2) : _random.Next(6);
            switch (choice)
            {
                case 0:
                {
                    var kind = _random.Next(2) == 0 ? StreamKind.Request : StreamKind.Bulk;
                    frames.Add(Frame(FrameType.Open, _random.Next(4) == 0 ? FrameFlags.EndStream : FrameFlags.None, next,
                        OpenMessage.Encode(kind, Methods[_random.Next(Methods.Length)], Noise(_random.Next(0, 64)))));
                    open.Add(next);
                    next += 2;
                    break;
                }
                case 1:
                    frames.Add(Frame(FrameType.Ping, _random.Next(2) == 0 ? FrameFlags.None : FrameFlags.Ack, 0, Noise(8)));
                    break;
                case 2 or 3:
                    frames.Add(Frame(FrameType.Data, FrameFlags.None, Pick(open), Noise(_random.Next(0, Math.Min(2048, streamWindow / 8)))));
                    break;
                case 4:
                    frames.Add(Frame(FrameType.WindowUpdate, FrameFlags.None, Pick(open), Number(4, (uint)_random.Next(1, 65536))));
                    break;
                default:
                    frames.Add(Frame(FrameType.Reset, FrameFlags.None, Pick(open), new ErrorMessage(PeerErrorKind.Stopped, "Fuzz", "fuzzing").Encode()));
                    break;
            }
        }
        return frames;
    }

    private byte[] Apply(Mutation mutation, List<byte[]> frames)
    {
        var victim = _random.Next(frames.Count);
        switch (mutation)
        {
            case Mutation.BitFlips:
            {
                var bytes = frames.SelectMany(f => f).ToArray();
                for (var i = _random.Next(1, 9); i > 0; i--) bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
                return bytes;
            }
            case Mutation.Truncate:
            {
                var bytes = frames.SelectMany(f => f).ToArray();
                return bytes[.._random.Next(bytes.Length)];
            }
            case Mutation.HugeLength:
                BinaryPrimitives.WriteUInt32BigEndian(frames[victim].AsSpan(8), (uint)_random.NextInt64(maxFramePayload + 1L, uint.MaxValue + 1L));
                break;
            case Mutation.LyingLength:
                BinaryPrimitives.WriteUInt32BigEndian(frames[victim].AsSpan(8), (uint)_random.Next(0, maxFramePayload + 1));
                break;
            case Mutation.UnknownType:
                frames[victim][0] = (byte)(_random.Next(2) == 0 ? 0 : _random.Next(8, 256));
                break;
            case Mutation.Garbage:
                frames.Insert(_random.Next(frames.Count + 1), Noise(_random.Next(1, 64)));
                break;
            case Mutation.PureNoise:
                return Noise(_random.Next(0, 512));
            case Mutation.NeverOpenedStream:
                frames.Add(Frame(FrameType.Data, FrameFlags.None, 1001, Noise(10)));
                break;
            case Mutation.ReusedId:
                frames.Add(Frame(FrameType.Open, FrameFlags.None, 1, OpenMessage.Encode(StreamKind.Bulk, "sink", [])));
                frames.Add(Frame(FrameType.Open, FrameFlags.None, 1, OpenMessage.Encode(StreamKind.Bulk, "sink", [])));
                break;
            case Mutation.WindowOverflow:
            {
                const uint id = 999;
                frames.Add(Frame(FrameType.Open, FrameFlags.None, id, OpenMessage.Encode(StreamKind.Bulk, "sink-slow", [])));
                for (var sent = 0; sent <= streamWindow; sent += maxFramePayload)
                    frames.Add(Frame(FrameType.Data, FrameFlags.None, id, new byte[maxFramePayload]));
                break;
            }
            case Mutation.DataAfterEnd:
                frames.Add(Frame(FrameType.Open, FrameFlags.EndStream, 1001, OpenMessage.Encode(StreamKind.Bulk, "sink-slow", [])));
                frames.Add(Frame(FrameType.Data, FrameFlags.None, 1001, Noise(5)));
                break;
        }
        return frames.SelectMany(f => f).ToArray();
    }

    private uint Pick(List<uint> open) => open[_random.Next(open.Count)];

    private byte[] Noise(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Number(int size, uint value)
    {
        var bytes = new byte[size];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Frame(FrameType type, FrameFlags flags, uint streamId, byte[] payload)
    {
        var frame = new byte[FrameHeader.Size + payload.Length];
        new FrameHeader(type, flags, streamId, payload.Length).Write(frame);
        payload.CopyTo(frame, FrameHeader.Size);
        return frame;
    }
}
