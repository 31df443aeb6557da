using PeerStorage.Core.Node;
using PeerStorage.Core.Resolution;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Leasing;

/// <summary>
/// The holder's operations on leases it has on peers: claim, inspect, renew, release, and objects written and read
/// through the lease's owner key. Each call resolves the host and opens an authenticated session to it.
/// </summary>
public static class LeaseClient
{
    /// <summary>How long to look for a host on the local link when resolving it.</summary>
    public static readonly TimeSpan LinkTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Reports bytes done of a total, for progress.</summary>
    public delegate void Progress(long done, long total);

    public static async Task<Availability[]> OffersAsync(NodeHome home, NodeId host, CancellationToken cancellationToken)
    {
        await using var session = await HostSession.OpenAsync(home, host, cancellationToken).ConfigureAwait(false);
        return await LeaseService.OffersAsync(session.Connection, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<PeerLease> ClaimAsync(NodeHome home, NodeId host, long size, DateTimeOffset? until, string? offerId, CancellationToken cancellationToken)
    {
        await using var session = await HostSession.OpenAsync(home, host, cancellationToken).ConfigureAwait(false);
        var lease = await LeaseService.ClaimAsync(session.Connection, new LeaseService.ClaimRequest(offerId, size, until), cancellationToken).ConfigureAwait(false);
        if (lease.HolderNodeId != home.NodeId.ToString() || lease.NodeId != host.ToString())
            throw new PeerStorageException("PeerBadRequest", PeerErrorKind.InvalidData, "The host answered with a lease that is not ours.");
        HeldLeases.Record(home, lease, LeaseObjectCipher.NewOwnerKey());
        return AsHeld(lease);
    }

    /// <summary>
    /// The leases this node holds, as their hosts report them now; a lease whose host cannot be reached is shown from
    /// this node's records, with the reason passed to <paramref name="unreachable"/>.
    /// </summary>
    public static async Task<IReadOnlyList<PeerLease>> ListAsync(NodeHome home, string? leaseId, Action<PeerStorageException>? unreachable, CancellationToken cancellationToken)
    {
        var held = leaseId is null ? HeldLeases.List(home) : [HeldLeases.Get(home, leaseId)];
        var result = new List<PeerLease>();
        foreach (var group in held.GroupBy(h => h.HostNodeId))
        {
            var live = group.Where(h => h.State == "Active").ToList();
            Dictionary<string, PeerLease> reported = [];
            if (live.Count > 0)
            {
                try
                {
                    await using var session = await HostSession.OpenAsync(home, NodeId.Parse(group.Key), cancellationToken).ConfigureAwait(false);
                    foreach (var lease in await LeaseService.ListAsync(session.Connection, leaseId, cancellationToken).ConfigureAwait(false))
                        reported[lease.LeaseId] = lease;
                }
                catch (PeerStorageException e)
                {
                    unreachable?.Invoke(e);
                    reported = live.ToDictionary(h => h.LeaseId, h => HeldLeases.Describe(home, h, DateTimeOffset.UtcNow));
                }
            }
            foreach (var h in group)
            {
                if (reported.TryGetValue(h.LeaseId, out var lease))
                {
                    if (lease.State is "Expired" or "Released" && h.State == "Active") HeldLeases.End(home, h.LeaseId, lease.State);
                    result.Add(AsHeld(lease));
                }
                else if (h.State == "Active" && live.Count > 0 && reported.Count > 0 && !reported.ContainsKey(h.LeaseId))
                {
                    // The host no longer knows it (its home was reset): the data is gone; say so once and for all.
                    HeldLeases.End(home, h.LeaseId, "Lost");
                    result.Add(HeldLeases.Describe(home, h with { State = "Lost" }, DateTimeOffset.UtcNow));
                }
                else result.Add(HeldLeases.Describe(home, h, DateTimeOffset.UtcNow));
            }
        }
        return result;
    }

    public static async Task<PeerLease> RenewAsync(NodeHome home, string leaseId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var held = RequireActive(home, leaseId);
        await using var session = await HostSession.OpenAsync(home, NodeId.Parse(held.HostNodeId), cancellationToken).ConfigureAwait(false);
        var lease = await LeaseService.RenewAsync(session.Connection, leaseId, until, cancellationToken).ConfigureAwait(false);
        HeldLeases.SetUntil(home, leaseId, lease.Until);
        return AsHeld(lease);
    }

    /// <summary>Gives the lease back: the host wipes it, and this node destroys its owner key.</summary>
    public static async Task ReleaseAsync(NodeHome home, string leaseId, CancellationToken cancellationToken)
    {
        var held = HeldLeases.Get(home, leaseId);
        if (held.State == "Active")
        {
            await using var session = await HostSession.OpenAsync(home, NodeId.Parse(held.HostNodeId), cancellationToken).ConfigureAwait(false);
            try
            {
                await LeaseService.ReleaseAsync(session.Connection, leaseId, cancellationToken).ConfigureAwait(false);
            }
            catch (PeerStorageException e) when (e.ErrorId is "LeaseNotFound" or "LeaseEnded")
            {
                // Already gone on the host: nothing left to give back.
            }
        }
        HeldLeases.End(home, leaseId, held.State == "Active" ? "Released" : held.State);
    }

    public static async Task<PeerLeaseObject> WriteObjectAsync(NodeHome home, string leaseId, string name, string sourcePath, Progress? progress, CancellationToken cancellationToken)
    {
        ValidateName(name);
        var held = RequireActive(home, leaseId);
        // Unbuffered: the cipher reads whole chunks, which a FileStream buffer would only copy once more.
        await using var source = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
        var length = source.Length;
        await using var session = await HostSession.OpenAsync(home, NodeId.Parse(held.HostNodeId), cancellationToken).ConfigureAwait(false);
        using var cipher = await CipherAsync(session, held, cancellationToken).ConfigureAwait(false);
        var nameKey = cipher.NameKey(name);
        var header = new LeaseService.PutHeader(leaseId, nameKey, cipher.SealName(name), LeaseObjectCipher.StoredLength(length));
        Task Encrypt(Stream stream) => cipher.EncryptAsync(source, length, nameKey, stream, done => progress?.Invoke(done, length), cancellationToken);
        // The data channel when the host has one (the object is sealed already: no second encryption by TLS), else
        // a stream on the TLS session.
        var stored = await LeaseService.UploadAsync(session.Connection, header, Encrypt, cancellationToken).ConfigureAwait(false)
                     ?? await LeaseService.PutAsync(session.Connection, header, Encrypt, cancellationToken).ConfigureAwait(false);
        return Describe(held, name, stored, sourcePath);
    }

    /// <summary>
    /// Reads an object into <paramref name="destinationPath"/>. The file appears only once every chunk passed its
    /// authentication tag. An existing file is an error (DestinationExists), checked before the transfer and again as
    /// the file is moved into place, unless <paramref name="overwrite"/>; then it is replaced, and only then.
    /// </summary>
    public static async Task<PeerLeaseObject> ReadObjectAsync(NodeHome home, string leaseId, string name, string destinationPath, bool overwrite, Progress? progress, CancellationToken cancellationToken)
    {
        ValidateName(name);
        var held = RequireActive(home, leaseId);
        if (!overwrite && File.Exists(destinationPath)) throw LeaseErrors.DestinationExists(Path.GetFullPath(destinationPath));
        await using var session = await HostSession.OpenAsync(home, NodeId.Parse(held.HostNodeId), cancellationToken).ConfigureAwait(false);
        using var cipher = await CipherAsync(session, held, cancellationToken).ConfigureAwait(false);
        var nameKey = cipher.NameKey(name);
        var found = (await LeaseService.ObjectsAsync(session.Connection, leaseId, nameKey, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
                    ?? throw LeaseErrors.ObjectNotFound(leaseId, name);
        var directory = Path.GetDirectoryName(Path.GetFullPath(destinationPath))!;
        var partial = Path.Combine(directory, $".{Path.GetFileName(destinationPath)}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var destination = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                await LeaseService.GetAsync(session.Connection, leaseId, nameKey, async (stream, storedLength) =>
                {
                    var length = LeaseObjectCipher.PlainLength(storedLength);
                    await cipher.DecryptAsync(stream, storedLength, nameKey, destination, done => progress?.Invoke(done, length), cancellationToken).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            }
            try
            {
                File.Move(partial, destinationPath, overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(destinationPath))
            {
                throw LeaseErrors.DestinationExists(Path.GetFullPath(destinationPath)); // it appeared during the transfer
            }
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
        return Describe(held, name, found, Path.GetFullPath(destinationPath));
    }

    /// <summary>The lease's objects, names decrypted; <paramref name="name"/> narrows to one.</summary>
    public static async Task<IReadOnlyList<PeerLeaseObject>> ObjectsAsync(NodeHome home, string leaseId, string? name, CancellationToken cancellationToken)
    {
        var held = RequireActive(home, leaseId);
        await using var session = await HostSession.OpenAsync(home, NodeId.Parse(held.HostNodeId), cancellationToken).ConfigureAwait(false);
        using var cipher = await CipherAsync(session, held, cancellationToken).ConfigureAwait(false);
        var stored = await LeaseService.ObjectsAsync(session.Connection, leaseId, name is null ? null : cipher.NameKey(name), cancellationToken).ConfigureAwait(false);
        if (name is not null && stored.Length == 0) throw LeaseErrors.ObjectNotFound(leaseId, name);
        // A name that does not open with our key (or whose key does not match it) was not written by us: leave it out.
        return stored.Select(s => (Stored: s, Name: cipher.OpenName(s.SealedName)))
            .Where(x => x.Name is not null && cipher.NameKey(x.Name) == x.Stored.NameKey)
            .Select(x => Describe(held, x.Name!, x.Stored, null)).OrderBy(o => o.Name, StringComparer.Ordinal).ToList();
    }

    public static async Task DeleteObjectAsync(NodeHome home, string leaseId, string name, CancellationToken cancellationToken)
    {
        var held = RequireActive(home, leaseId);
        await using var session = await HostSession.OpenAsync(home, NodeId.Parse(held.HostNodeId), cancellationToken).ConfigureAwait(false);
        using var cipher = await CipherAsync(session, held, cancellationToken).ConfigureAwait(false);
        try
        {
            await LeaseService.DeleteAsync(session.Connection, leaseId, cipher.NameKey(name), cancellationToken).ConfigureAwait(false);
        }
        catch (PeerStorageException e) when (e.ErrorId == "LeaseObjectNotFound")
        {
            throw LeaseErrors.ObjectNotFound(leaseId, name); // the host only knew the hash: name it
        }
    }

    /// <summary>The lease's cipher: this node's owner key with the host's share, fetched now and kept only in memory.</summary>
    private static async Task<LeaseObjectCipher> CipherAsync(HostSession session, HeldLeases.Held held, CancellationToken cancellationToken)
    {
        var share = await LeaseService.KeyShareAsync(session.Connection, held.LeaseId, cancellationToken).ConfigureAwait(false);
        try
        {
            return new LeaseObjectCipher(held.OwnerKey, share);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(share);
        }
    }

    private static HeldLeases.Held RequireActive(NodeHome home, string leaseId)
    {
        var held = HeldLeases.Get(home, leaseId);
        if (held.State != "Active") throw LeaseErrors.LeaseEnded(leaseId, held.State);
        return held;
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 1024 || name.Any(char.IsControl))
            throw LeaseErrors.InvalidArgument("An object name is 1 to 1024 characters without control characters.", name);
    }

    private static PeerLease AsHeld(PeerLease lease) => new()
    {
        LeaseId = lease.LeaseId, Role = "Held", NodeId = lease.NodeId, HolderNodeId = lease.HolderNodeId, OfferId = lease.OfferId,
        Size = lease.Size, Used = lease.Used, Objects = lease.Objects, Until = lease.Until, State = lease.State, Created = lease.Created,
    };

    private static PeerLeaseObject Describe(HeldLeases.Held held, string name, StoredObject stored, string? path) => new()
    {
        LeaseId = held.LeaseId, NodeId = held.HostNodeId, Name = name, Length = LeaseObjectCipher.PlainLength(stored.StoredLength),
        StoredLength = stored.StoredLength, Written = LeasePolicy.FromUnixMs(stored.WrittenMs), Path = path,
    };

    /// <summary>An authenticated session to a lease's host, with the network it was opened from.</summary>
    private sealed class HostSession : IAsyncDisposable
    {
        private readonly NodeNetwork _network;
        public PeerConnection Connection { get; }

        private HostSession(NodeNetwork network, PeerConnection connection)
        {
            _network = network;
            Connection = connection;
        }

        public static async Task<HostSession> OpenAsync(NodeHome home, NodeId host, CancellationToken cancellationToken)
        {
            var network = new NodeNetwork(home);
            try
            {
                var resolver = new PeerResolver(home, network, LinkBrowsers.ForNode(home));
                var (connection, _) = await resolver.ConnectAsync(host, null, LinkTimeout, cancellationToken).ConfigureAwait(false);
                return new HostSession(network, connection);
            }
            catch
            {
                await network.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
            await _network.DisposeAsync().ConfigureAwait(false);
        }
    }
}
