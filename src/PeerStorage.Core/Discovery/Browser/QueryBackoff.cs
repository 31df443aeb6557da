namespace PeerStorage.Core.Discovery.Browser;

/// <summary>Intervals between repeated queries: 1 s, then doubling, capped at 60 minutes (RFC 6762 §5.2).</summary>
internal sealed class QueryBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Cap = TimeSpan.FromMinutes(60);

    private TimeSpan _next = First;

    /// <summary>The interval to wait now; the following one will be twice as long.</summary>
    public TimeSpan Next()
    {
        var current = _next;
        _next = current * 2 > Cap ? Cap : current * 2;
        return current;
    }

    public void Reset() => _next = First;
}
