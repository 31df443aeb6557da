using PeerStorage.Core.Node;

namespace PeerStorage.Core.Transport;

/// <summary>
/// The Hello payload both sides send first after the TLS handshake. Wire: "PSTP", u16 major, u16 minor, 32-byte node
/// id, u32 max frame payload, u32 max concurrent streams, u32 initial stream window (all three are limits the sender
/// enforces on what it receives), u8-prefixed name, u8 feature count, u8-prefixed features. Magic and version come
/// first so that a future major can change everything after them and still be refused cleanly.
/// </summary>
internal sealed record HelloMessage(
    ushort Major,
    ushort Minor,
    NodeId NodeId,
    int MaxFramePayload,
    int MaxConcurrentStreams,
    int InitialStreamWindow,
    string Name,
    IReadOnlyList<string> Features)
{
    /// <summary>Minor revisions are compatible additions; a node speaks the lower of the two.</summary>
    public const ushort CurrentMinor = 0;
    public static ushort CurrentMajor => EngineInfo.ProtocolVersion;

    public const uint MinLength = 4 + 2 + 2 + 32 + 12 + 1 + 1;
    public const uint MaxLength = 4096;
    public const int MaxNameBytes = 255;
    public const int MaxFeatures = 32;
    public const int MaxFeatureBytes = 64;
    private static ReadOnlySpan<byte> Magic => "PSTP"u8;

    public static HelloMessage ForLocal(TransportCredentials credentials, TransportOptions options) => new(
        CurrentMajor, CurrentMinor, credentials.NodeId, options.MaxFramePayload, options.MaxConcurrentStreams,
        options.InitialStreamWindow, credentials.Name, options.Features);

    public byte[] Encode()
    {
        var name = WireWriter.Utf8Truncated(Name, MaxNameBytes);
        var features = Features.Take(MaxFeatures).Select(f => WireWriter.Utf8Truncated(f, MaxFeatureBytes)).ToArray();
        var buffer = new byte[MinLength + name.Length + features.Sum(f => 1 + f.Length)];
        var w = new WireWriter(buffer);
        w.WriteBytes(Magic);
        w.WriteUInt16(Major);
        w.WriteUInt16(Minor);
        w.WriteBytes(NodeId.Hash);
        w.WriteUInt32((uint)MaxFramePayload);
        w.WriteUInt32((uint)MaxConcurrentStreams);
        w.WriteUInt32((uint)InitialStreamWindow);
        w.WriteString(1, name);
        w.WriteByte((byte)features.Length);
        foreach (var f in features) w.WriteString(1, f);
        return buffer;
    }

    /// <summary>Reads only magic and version, which every major keeps in place.</summary>
    public static bool TryReadVersion(ReadOnlySpan<byte> payload, out ushort major, out ushort minor)
    {
        major = minor = 0;
        var r = new WireReader(payload);
        return r.TryReadBytes(4, out var magic) && magic.SequenceEqual(Magic) && r.TryReadUInt16(out major) && r.TryReadUInt16(out minor);
    }

    public static bool TryDecode(ReadOnlySpan<byte> payload, out HelloMessage hello, out string violation)
    {
        hello = null!;
        violation = "the hello is malformed";
        var r = new WireReader(payload);
        if (!r.TryReadBytes(4, out var magic) || !magic.SequenceEqual(Magic))
        {
            violation = "the hello does not start with the PeerStorage magic";
            return false;
        }
        if (!r.TryReadUInt16(out var major) || !r.TryReadUInt16(out var minor) || !r.TryReadBytes(32, out var id)
            || !r.TryReadUInt32(out var maxFrame) || !r.TryReadUInt32(out var maxStreams) || !r.TryReadUInt32(out var window))
            return false;
        if (maxFrame is < TransportOptions.MinFramePayload or > TransportOptions.MaxFramePayloadLimit)
        {
            violation = $"the hello announces a frame limit of {maxFrame} bytes";
            return false;
        }
        if (maxStreams is < 1 or > TransportOptions.MaxConcurrentStreamsLimit)
        {
            violation = $"the hello announces {maxStreams} concurrent streams";
            return false;
        }
        if (window is < TransportOptions.MinStreamWindow or > int.MaxValue)
        {
            violation = $"the hello announces a stream window of {window} bytes";
            return false;
        }
        if (!r.TryReadString(1, MaxNameBytes, out var name) || !r.TryReadByte(out var featureCount) || featureCount > MaxFeatures)
            return false;
        var features = new string[featureCount];
        for (var i = 0; i < featureCount; i++)
        {
            if (!r.TryReadString(1, MaxFeatureBytes, out features[i])) return false;
        }
        if (r.Remaining != 0)
        {
            violation = $"the hello has {r.Remaining} trailing bytes";
            return false;
        }
        hello = new HelloMessage(major, minor, NodeId.FromHash(id), (int)maxFrame, (int)maxStreams, (int)window, name, features);
        return true;
    }
}
