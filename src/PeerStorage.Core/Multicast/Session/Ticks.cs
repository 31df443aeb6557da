namespace PeerStorage.Core.Multicast.Session;

/// <summary>Periodic loops that end quietly when their token is cancelled.</summary>
internal static class Ticks
{
    /// <summary>Waits for the next tick; false once cancelled.</summary>
    public static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false) && !cancellationToken.IsCancellationRequested;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
