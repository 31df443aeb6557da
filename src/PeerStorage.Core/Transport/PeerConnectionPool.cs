using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using Serilog.Events;

namespace PeerStorage.Core.Transport;

/// <summary>
/// Reuses one connection per peer node id, at most <c>maxConnections</c> at a time. Concurrent callers for the same
/// node share one connection attempt; a connection that closes (or starts closing) is replaced on the next call;
/// when the pool is full, the least recently used connection is closed gracefully, preferring idle ones. Every
/// connection is opened with the node id as expected id, so an address that now belongs to another node is refused.
/// </summary>
public sealed class PeerConnectionPool : IAsyncDisposable
{
    private readonly PeerClient _client;
    private readonly int _maxConnections;
    private readonly object _gate = new();
    private readonly Dictionary<NodeId, Entry> _entries = new();
    private readonly CancellationTokenSource _lifetime = new();
    private bool _disposed;

    public PeerConnectionPool(PeerClient client, int maxConnections = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        _client = client;
        _maxConnections = maxConnections;
    }

    public int Count
    {
        get { lock (_gate) return _entries.Count; }
    }

    /// <summary>An open connection to <paramref name="nodeId"/>, reused or made at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public async Task<PeerConnection> GetAsync(NodeId nodeId, string host, int port, CancellationToken cancellationToken = default)
    {
        Entry entry;
        PeerConnection? evicted = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_entries.TryGetValue(nodeId, out entry!) || !entry.IsUsable)
            {
                _entries.Remove(nodeId);
                if (_entries.Count >= _maxConnections) evicted = EvictOneLocked();
                entry = new Entry();
                _entries[nodeId] = entry;
                _ = ConnectAsync(entry, nodeId, host, port);
            }
            entry.LastUsedTicks = Environment.TickCount64;
        }
        if (evicted is not null) _ = evicted.CloseAsync("evicted from the connection pool", CancellationToken.None);
        return await entry.Connection.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes and forgets the connection to a node (for example after revoking it).</summary>
    public async Task EvictAsync(NodeId nodeId)
    {
        Entry? entry;
        lock (_gate)
        {
            if (!_entries.Remove(nodeId, out entry)) return;
        }
        if (entry.Connection.Task.IsCompletedSuccessfully) await entry.Connection.Task.Result.CloseAsync("evicted from the connection pool", CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Asks the trust policy again about every pooled connection and drops those it no longer trusts.</summary>
    public int Revalidate()
    {
        List<(NodeId Id, PeerConnection Connection)> open;
        lock (_gate)
        {
            open = _entries.Where(e => e.Value.Connection.Task.IsCompletedSuccessfully).Select(e => (e.Key, e.Value.Connection.Task.Result)).ToList();
        }
        var closed = 0;
        foreach (var (id, connection) in open)
        {
            if (connection.RemoteCertificate is not { } certificate) continue;
            TrustDecision decision;
            try
            {
                decision = _client.TrustPolicy.Evaluate(certificate, connection.RemoteCertificateChain);
            }
            catch (Exception e)
            {
                decision = TrustDecision.Refused(id, $"the trust policy failed: {e.Message}");
            }
            if (decision.Trusted) continue;
            lock (_gate) _entries.Remove(id);
            connection.Abort($"no longer trusted: {decision.Reason}", LogEventLevel.Warning);
            closed++;
        }
        return closed;
    }

    private async Task ConnectAsync(Entry entry, NodeId nodeId, string host, int port)
    {
        try
        {
            var connection = await _client.ConnectAsync(host, port, nodeId, _lifetime.Token).ConfigureAwait(false);
            entry.Connection.TrySetResult(connection);
            _ = connection.Completion.ContinueWith(_ => Forget(nodeId, entry), TaskScheduler.Default);
        }
        catch (Exception e)
        {
            Forget(nodeId, entry); // the next call tries again
            entry.Connection.TrySetException(e);
        }
    }

    private void Forget(NodeId nodeId, Entry entry)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(nodeId, out var current) && ReferenceEquals(current, entry)) _entries.Remove(nodeId);
        }
    }

    /// <summary>Removes the least recently used established connection, idle ones first; the caller closes it.</summary>
    private PeerConnection? EvictOneLocked()
    {
        var victim = _entries
            .Where(e => e.Value.Connection.Task.IsCompletedSuccessfully)
            .OrderBy(e => e.Value.Connection.Task.Result.ActiveStreams == 0 ? 0 : 1)
            .ThenBy(e => e.Value.LastUsedTicks)
            .Select(e => (KeyValuePair<NodeId, Entry>?)e)
            .FirstOrDefault();
        if (victim is null)
            throw new PeerStorageException("PeerPoolExhausted", PeerErrorKind.ResourceUnavailable,
                $"All {_maxConnections} pooled peer connections are still being established; try again shortly.");
        _entries.Remove(victim.Value.Key);
        return victim.Value.Value.Connection.Task.Result;
    }

    public async ValueTask DisposeAsync()
    {
        Entry[] entries;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            entries = _entries.Values.ToArray();
            _entries.Clear();
        }
        _lifetime.Cancel();
        var closing = entries.Where(e => e.Connection.Task.IsCompletedSuccessfully)
            .Select(e => e.Connection.Task.Result.CloseAsync("the connection pool is disposed", CancellationToken.None));
        await Task.WhenAll(closing).ConfigureAwait(false);
    }

    private sealed class Entry
    {
        public TaskCompletionSource<PeerConnection> Connection { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long LastUsedTicks { get; set; }

        /// <summary>Still connecting, or connected and accepting new streams.</summary>
        public bool IsUsable => !Connection.Task.IsCompleted || (Connection.Task.IsCompletedSuccessfully && Connection.Task.Result.CanOpenStreams);
    }
}
