namespace PeerStorage.Core.Leasing;

/// <summary>The timing rules every host and holder applies to leases.</summary>
public static class LeasePolicy
{
    /// <summary>
    /// How long after its end a lease is actually wiped: clocks on a fleet drift, and a holder whose clock runs a
    /// little behind must not lose data it still believes leased. Holders are told to stop writing at Until.
    /// </summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromMinutes(5);

    /// <summary>The node's grace period (Set-PeerNode -LeaseGracePeriod), else the default.</summary>
    public static TimeSpan Grace(Node.NodeHome home) =>
        long.TryParse(home.Settings.Get(State.SettingKeys.LeaseGraceSeconds), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(Math.Min(seconds, 86400)) : DefaultGrace;

    /// <summary>How long before the end a lease counts as Expiring and its holder is warned: a tenth of its span, at most a day.</summary>
    public static TimeSpan WarningWindow(DateTimeOffset created, DateTimeOffset until) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromDays(1).Ticks, Math.Max(0, (until - created).Ticks / 10)));

    /// <summary>The state a client shows for a lease that is not ended.</summary>
    public static string StateAt(DateTimeOffset now, DateTimeOffset created, DateTimeOffset until) =>
        now >= until ? "Expired" : now >= until - WarningWindow(created, until) ? "Expiring" : "Active";

    internal static long ToUnixMs(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
    internal static DateTimeOffset FromUnixMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
