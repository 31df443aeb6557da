using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>
/// How long a multicast answer waits (RFC 6762 §6, §7.2): unique answers and probe defences go at once; shared ones
/// wait 20–120 ms so several responders do not answer in unison and answers aggregate; the answer to a truncated
/// query waits 400–500 ms for the rest of the asker's known answers.
/// </summary>
internal static class ResponseTiming
{
    public static TimeSpan Delay(DnsMessage query, AnswerPlan plan)
    {
        if (query.Truncated) return TimeSpan.FromMilliseconds(Random.Shared.Next(400, 501));
        if (plan.IsProbe || plan.AllUnique) return TimeSpan.Zero;
        return TimeSpan.FromMilliseconds(Random.Shared.Next(20, 121));
    }
}
