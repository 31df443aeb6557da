using System.Collections.Concurrent;
using System.Security.Cryptography;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Transport;

/// <summary>
/// The serving node's side of <see cref="BulkChannel"/>: tickets handed out over TLS sessions, each good for one
/// connection within its lifetime, and the connections that present them.
/// </summary>
public sealed class BulkTickets
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    private sealed class Pending(NodeId peer, byte[] key)
    {
        public NodeId Peer { get; } = peer;
        public byte[] Key { get; } = key;
        public TaskCompletionSource<BulkReadStream> Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A ticket for <paramref name="peer"/>: its id and key go back over the TLS session; the task completes with the verified stream once the peer connects.</summary>
    public (byte[] Ticket, byte[] Key, Task<BulkReadStream> Connected) Issue(NodeId peer)
    {
        var ticket = RandomNumberGenerator.GetBytes(BulkChannel.TicketBytes);
        var pending = new Pending(peer, RandomNumberGenerator.GetBytes(BulkChannel.KeyBytes));
        var id = Convert.ToHexString(ticket);
        _pending[id] = pending;
        // Unused tickets expire: the waiting transfer fails, the entry goes.
        _ = Task.Delay(Lifetime).ContinueWith(_ =>
        {
            if (_pending.TryRemove(id, out var stale))
                stale.Connected.TrySetException(new PeerStorageException("BulkChannelTimedOut", PeerErrorKind.ConnectionError,
                    $"Node {stale.Peer.Short} did not open its data channel within {Lifetime.TotalSeconds:0} s."));
        }, TaskScheduler.Default);
        return (ticket, pending.Key, pending.Connected.Task);
    }

    /// <summary>
    /// Serves a connection that began with <see cref="BulkChannel.FirstByte"/>: matches its ticket (once), hands the
    /// verified stream to the waiting transfer and holds the connection open until that transfer is done with it.
    /// </summary>
    public async Task AcceptAsync(Stream connection, CancellationToken cancellationToken)
    {
        var ticket = await BulkChannel.ReadTicketAsync(connection, cancellationToken).ConfigureAwait(false);
        if (ticket is null || !_pending.TryRemove(Convert.ToHexString(ticket), out var pending)) return; // unknown: just close
        var stream = new BulkReadStream(connection, pending.Key, () => pending.Finished.TrySetResult());
        if (!pending.Connected.TrySetResult(stream)) return;
        await pending.Finished.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
