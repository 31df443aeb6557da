namespace PeerStorage.Core.Multicast.Session;

/// <summary>How a sender behaves: rates, and how long it waits for (more) receivers before it ends.</summary>
public sealed record SenderOptions
{
    /// <summary>The rate a session starts at; the rate controller moves it.</summary>
    public double InitialBytesPerSecond { get; init; } = 128 << 20;
    /// <summary>A ceiling for the rate (bytes per second); 0: none.</summary>
    public double MaxBytesPerSecond { get; init; }
    /// <summary>
    /// How long the sender stays after its last receiver finished (or, with none yet, after it started sending),
    /// for late receivers.
    /// </summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan AnnounceInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>A receiver not heard from for this long is gone.</summary>
    public TimeSpan ReceiverSilence { get; init; } = TimeSpan.FromSeconds(5);

    internal double EffectiveMaxRate => MaxBytesPerSecond > 0 ? MaxBytesPerSecond : 4.0 * (1L << 30);
}
