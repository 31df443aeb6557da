namespace PeerStorage.Core.Multicast.Session;

/// <summary>
/// Follows the receivers: the rate goes up while the typical receiver loses little and down when it loses much (the
/// network or the receivers cannot take more). The typical receiver is the median, not the worst: one lossy or slow
/// receiver never drags the others down. A receiver whose loss stays far above the median for a while is named for
/// eviction (it takes the rest from the server), the explicit slow-receiver policy.
/// </summary>
internal sealed class RateController(double initialRate, double maxRate)
{
    /// <summary>Median loss above which the rate falls.</summary>
    public const double CongestionLoss = 0.08;
    /// <summary>Median loss under which the rate grows fast.</summary>
    public const double CleanLoss = 0.005;
    /// <summary>A receiver losing this much more than the median is lagging.</summary>
    public const double LaggingExcess = 0.25;
    public static readonly TimeSpan EvictAfter = TimeSpan.FromSeconds(2);
    public const double MinRate = 1 << 20;

    public double Rate { get; private set; } = Math.Min(initialRate, maxRate);

    /// <summary>One control tick over the active receivers that reported a loss; returns those to evict.</summary>
    public IReadOnlyList<TrackedReceiver> Tick(IReadOnlyList<TrackedReceiver> active, DateTime now)
    {
        var reporting = active.Where(r => r.State == Protocol.ReceiverState.Receiving).ToList();
        if (reporting.Count == 0) return [];
        var losses = reporting.Select(r => r.Loss).Order().ToList();
        var median = losses[(losses.Count - 1) / 2];
        // Ticks come every 100 ms: growth of 10 % a tick doubles the rate in about 0.7 s.
        if (median > CongestionLoss) Rate = Math.Max(MinRate, Rate * 0.7);
        else if (median < CleanLoss) Rate = Math.Min(maxRate, Rate * 1.10);
        else Rate = Math.Min(maxRate, Rate * 1.01);

        var evict = new List<TrackedReceiver>();
        foreach (var receiver in reporting)
        {
            // With one receiver there is nobody to protect: it sets the pace and is never sent away.
            var lagging = reporting.Count > 1 && receiver.Loss > median + LaggingExcess;
            if (!lagging) receiver.LaggingSince = null;
            else if (receiver.LaggingSince is null) receiver.LaggingSince = now;
            else if (now - receiver.LaggingSince >= EvictAfter) evict.Add(receiver);
        }
        return evict;
    }
}
