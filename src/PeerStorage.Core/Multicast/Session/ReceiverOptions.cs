namespace PeerStorage.Core.Multicast.Session;

/// <summary>How long a receiver listens and waits before it acts on its own.</summary>
public sealed record ReceiverOptions
{
    /// <summary>How long it listens for an announcer before it downloads and announces itself.</summary>
    public TimeSpan ListenTime { get; init; } = TimeSpan.FromSeconds(1.5);
    /// <summary>An announcer not heard (no announcement, no data) for this long is gone; a waiting receiver takes over.</summary>
    public TimeSpan AnnouncerTimeout { get; init; } = TimeSpan.FromSeconds(4);
    /// <summary>A multicast that stores no new block for this long has stalled: the receiver takes the rest from the server.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How often it reports (the sender's rate control runs on these reports).</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
