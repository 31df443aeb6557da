namespace PeerStorage.Core.Transport;

/// <summary>
/// Limits and timers of the peer transport. The three receive limits (frame payload, concurrent streams, stream
/// window) are announced in the Hello and bind the peer; together they bound what one connection can make this
/// node buffer: at most MaxConcurrentStreams × InitialStreamWindow bytes.
/// </summary>
public sealed class TransportOptions
{
    public const int MinFramePayload = 16 * 1024;
    public const int MaxFramePayloadLimit = 16 * 1024 * 1024;
    public const int MaxConcurrentStreamsLimit = 100_000;
    public const int MinStreamWindow = 16 * 1024;

    public static TransportOptions Default { get; } = new();

    /// <summary>Largest payload of one frame this node accepts (and sends, if the peer accepts as much).</summary>
    public int MaxFramePayload { get; init; } = 256 * 1024;

    /// <summary>How many streams the peer may have open towards this node at once; more are refused with an error frame.</summary>
    public int MaxConcurrentStreams { get; init; } = 64;

    /// <summary>Bytes the peer may send on one stream before this node's reader consumes them (flow-control window).</summary>
    public int InitialStreamWindow { get; init; } = 1024 * 1024;

    /// <summary>Largest request body or response that is collected in memory; bulk data belongs in a stream.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>TLS handshake plus Hello exchange.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A ping goes out when nothing has arrived for this long, so that a quiet but healthy peer proves it is alive.</summary>
    public TimeSpan KeepaliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The connection is dropped when no frame at all arrives for this long (a dead peer, a stalled frame).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>The connection is dropped when one frame write makes no progress for this long (a peer that stopped reading).</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection with no open stream for this long is closed gracefully.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Default bound on one RequestAsync call, on top of the caller's cancellation.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a graceful close waits for open streams to finish before dropping them.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Capabilities this node announces in its Hello (for example "backup", "directory").</summary>
    public IReadOnlyList<string> Features { get; init; } = [];

    internal int WindowUpdateThreshold => Math.Max(1, InitialStreamWindow / 4);

    internal void Validate()
    {
        static void Check(bool ok, string what)
        {
            if (!ok) throw new PeerStorageException("InvalidTransportOptions", PeerErrorKind.InvalidArgument, $"Transport options: {what}.");
        }
        Check(MaxFramePayload is >= MinFramePayload and <= MaxFramePayloadLimit, $"MaxFramePayload must be between {MinFramePayload} and {MaxFramePayloadLimit}");
        Check(MaxConcurrentStreams is >= 1 and <= MaxConcurrentStreamsLimit, $"MaxConcurrentStreams must be between 1 and {MaxConcurrentStreamsLimit}");
        Check(InitialStreamWindow >= MinStreamWindow, $"InitialStreamWindow must be at least {MinStreamWindow}");
        Check(MaxMessageBytes >= 0, "MaxMessageBytes cannot be negative");
        Check(HandshakeTimeout > TimeSpan.Zero && WriteTimeout > TimeSpan.Zero && IdleTimeout > TimeSpan.Zero
              && RequestTimeout > TimeSpan.Zero && CloseTimeout >= TimeSpan.Zero, "timeouts must be positive");
        Check(KeepaliveInterval > TimeSpan.Zero && ReadTimeout > KeepaliveInterval, "ReadTimeout must be longer than KeepaliveInterval, or healthy idle peers would be dropped");
        Check(Features.Count <= HelloMessage.MaxFeatures && Features.All(f => f.Length is > 0 and <= HelloMessage.MaxFeatureBytes),
            $"at most {HelloMessage.MaxFeatures} features of 1 to {HelloMessage.MaxFeatureBytes} characters");
    }
}
