using System.Buffers.Binary;

namespace PeerStorage.Core.Transport;

/// <summary>
/// The fixed 12-byte frame header, big-endian: type (1), flags (1), reserved (2, zero), stream id (4, high bit zero),
/// payload length (4). Every field is checked before a payload byte is read or a buffer is sized from it.
/// </summary>
internal readonly record struct FrameHeader(FrameType Type, FrameFlags Flags, uint StreamId, int Length)
{
    public const int Size = 12;
    public const uint MaxStreamId = int.MaxValue;

    /// <summary>Ceiling for the payload of frames that carry no bulk data (errors, goaway).</summary>
    public const int MaxControlPayload = 4096;

    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)Type;
        destination[1] = (byte)Flags;
        destination[2] = 0;
        destination[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], (uint)Length);
    }

    /// <summary>Parses a header and checks it against the receiver's limits; on false, <paramref name="violation"/> says why.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, int maxFramePayload, out FrameHeader header, out string violation)
    {
        header = default;
        violation = "";
        if (source.Length < Size)
        {
            violation = $"a frame header needs {Size} bytes, got {source.Length}";
            return false;
        }
        var type = (FrameType)source[0];
        var flags = (FrameFlags)source[1];
        var reserved = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        var streamId = BinaryPrimitives.ReadUInt32BigEndian(source[4..]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(source[8..]);

        if (type is < FrameType.Hello or > FrameType.GoAway)
        {
            violation = $"unknown frame type {source[0]}";
            return false;
        }
        if (reserved != 0)
        {
            violation = $"reserved header bits are set on a {type} frame";
            return false;
        }
        if ((flags & ~AllowedFlags(type)) != 0)
        {
            violation = $"flags 0x{source[1]:x2} are not allowed on a {type} frame";
            return false;
        }
        if (streamId > MaxStreamId)
        {
            violation = $"stream id {streamId} has the reserved bit set";
            return false;
        }
        var connectionLevel = type is FrameType.Hello or FrameType.Ping or FrameType.GoAway;
        if (connectionLevel != (streamId == 0))
        {
            violation = connectionLevel ? $"a {type} frame names stream {streamId}" : $"a {type} frame names stream 0";
            return false;
        }
        var (min, max) = PayloadBounds(type, maxFramePayload);
        if (length < min || length > max)
        {
            violation = min == max
                ? $"a {type} frame must carry {min} bytes, this one announces {length}"
                : $"a {type} frame announces {length} payload bytes; the limit is {max}";
            return false;
        }
        header = new FrameHeader(type, flags, streamId, (int)length);
        return true;
    }

    private static FrameFlags AllowedFlags(FrameType type) => type switch
    {
        FrameType.Open or FrameType.Data => FrameFlags.EndStream,
        FrameType.Ping => FrameFlags.Ack,
        _ => FrameFlags.None,
    };

    private static (uint Min, uint Max) PayloadBounds(FrameType type, int maxFramePayload) => type switch
    {
        FrameType.Hello => (HelloMessage.MinLength, HelloMessage.MaxLength),
        FrameType.Open => (OpenMessage.MinLength, (uint)maxFramePayload),
        FrameType.Data => (0, (uint)maxFramePayload),
        FrameType.WindowUpdate => (4, 4),
        FrameType.Ping => (8, 8),
        FrameType.Reset => (ErrorMessage.MinLength, MaxControlPayload),
        FrameType.GoAway => (4 + ErrorMessage.MinLength, MaxControlPayload),
        _ => (0, 0),
    };
}
