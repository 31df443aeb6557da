using System.Buffers.Binary;
using Microsoft.Data.Sqlite;
using PeerStorage.Core.Logging;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Leasing;

/// <summary>An object as the host stores it: the holder's keyed name hash, its sealed name and ciphertext length.</summary>
public sealed record StoredObject(string NameKey, string SealedName, long StoredLength, long WrittenMs);

/// <summary>
/// The host's side of leases: claims against offers become vault regions; only the holder (the node id the TLS
/// session proved) touches a lease's objects; and when a lease ends its region is wiped to zeros and the host's half
/// of its data key destroyed. One instance per running node: it keeps the node's vaults open while it serves.
/// </summary>
public sealed class LeaseHost : IDisposable
{
    private const int ReadPiece = 1024 * 1024;

    private readonly NodeHome _home;
    private readonly Func<DateTimeOffset> _clock;
    private readonly object _gate = new();
    private readonly Dictionary<string, VaultStore> _vaults = new(StringComparer.Ordinal);
    /// <summary>Uploads into one lease are stored one after another: a region takes one streaming writer at a time.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _uploadGates = new(StringComparer.Ordinal);
    /// <summary>Ranges of uploads in flight, per lease, so concurrent uploads never pick the same gap.</summary>
    private readonly Dictionary<string, List<(long Offset, long Length)>> _inFlight = new(StringComparer.Ordinal);
    private bool _disposed;

    public LeaseHost(NodeHome home, Func<DateTimeOffset>? clock = null)
    {
        _home = home;
        _clock = clock ?? (() => DateTimeOffset.UtcNow);
    }

    internal sealed record LeaseRow(string Id, string OfferId, string PartitionId, string Holder, string? RegionId, long Size, long Until,
        long Created, string State, byte[]? KeyShare, bool Warned, long? Ended);

    // ---- leases -------------------------------------------------------------------------------------------------

    public PeerLease Claim(NodeId holder, string? offerId, long size, DateTimeOffset? until)
    {
        if (size <= 0) throw LeaseErrors.InvalidArgument($"A lease needs a positive size, not {size}.", size);
        var now = _clock();
        if (until is { } u && u <= now) throw LeaseErrors.InvalidUntil(u);
        var id = Guid.NewGuid().ToString();
        lock (_gate)
        {
            ThrowIfDisposed();
            // Choose the offer and reserve its space in one transaction; only then touch the vault.
            var (offer, end) = _home.State.Write((c, t) =>
            {
                var candidates = AvailabilityOffers.Rows(c, t, offerId).Where(o => AvailabilityOffers.StateOf(o, now) == "Active").ToList();
                if (offerId is not null && candidates.Count == 0) throw LeaseErrors.OfferNotFound(offerId);
                if (offerId is not null && until is { } wanted && wanted.ToUnixTimeMilliseconds() > candidates[0].Until)
                    throw LeaseErrors.LeaseTooLong(wanted, LeasePolicy.FromUnixMs(candidates[0].Until));
                var chosen = candidates
                    .Where(o => until is null || o.Until >= until.Value.ToUnixTimeMilliseconds())
                    .FirstOrDefault(o => o.Size - AvailabilityOffers.Leased(c, t, o.Id) >= size)
                    ?? throw LeaseErrors.NoOfferFits(size, until ?? now);
                var leaseEnd = until?.ToUnixTimeMilliseconds() ?? chosen.Until;
                c.Execute(t, """
                    INSERT INTO hosted_leases(id, offer_id, partition_id, holder_node_id, size, until, created, state, key_share)
                    VALUES($id, $offer, $p, $holder, $size, $until, $created, 'Claiming', $key)
                    """, ("$id", id), ("$offer", chosen.Id), ("$p", chosen.PartitionId), ("$holder", holder.ToString()), ("$size", size),
                    ("$until", leaseEnd), ("$created", LeasePolicy.ToUnixMs(now)), ("$key", System.Security.Cryptography.RandomNumberGenerator.GetBytes(LeaseObjectCipher.KeyShareBytes)));
                AvailabilityOffers.UpdateAnnounced(c, t, now);
                return (chosen, leaseEnd);
            });
            try
            {
                var region = Vault(offer.PartitionId).Allocate($"lease:{id}", size);
                _home.State.Write((c, t) => c.Execute(t, "UPDATE hosted_leases SET region_id = $r, state = 'Active' WHERE id = $id", ("$r", region.Id.ToString()), ("$id", id)));
            }
            catch
            {
                _home.State.Write((c, t) =>
                {
                    c.Execute(t, "DELETE FROM hosted_leases WHERE id = $id", ("$id", id));
                    AvailabilityOffers.UpdateAnnounced(c, t, now);
                });
                throw;
            }
            _home.Log.Tell("Leased {Size} bytes to {Holder} until {Until:u} (lease {LeaseId})", size, holder.ToString(), LeasePolicy.FromUnixMs(end), id);
        }
        return Describe(Row(holder, id));
    }

    /// <summary>Moves a lease's end; never past its offer's end, never once it has ended.</summary>
    public PeerLease Renew(NodeId holder, string leaseId, DateTimeOffset until)
    {
        var now = _clock();
        if (until <= now) throw LeaseErrors.InvalidUntil(until);
        _home.State.Write((c, t) =>
        {
            var lease = Row(c, t, holder, leaseId);
            RequireLive(lease, now);
            var offer = AvailabilityOffers.Rows(c, t, lease.OfferId).Single();
            if (until.ToUnixTimeMilliseconds() > offer.Until) throw LeaseErrors.LeaseTooLong(until, LeasePolicy.FromUnixMs(offer.Until));
            c.Execute(t, "UPDATE hosted_leases SET until = $until, warned = 0 WHERE id = $id", ("$until", until.ToUnixTimeMilliseconds()), ("$id", leaseId));
        });
        _home.Log.Tell("Lease {LeaseId} renewed until {Until:u}", leaseId, until);
        return Describe(Row(holder, leaseId));
    }

    /// <summary>The holder gives the lease back: wiped and ended at once.</summary>
    public void Release(NodeId holder, string leaseId)
    {
        var lease = Row(holder, leaseId);
        if (lease.Ended is not null) throw LeaseErrors.LeaseEnded(leaseId, lease.State);
        End(lease, "Released");
    }

    /// <summary>Leases hosted here: all of them, or those of one holder.</summary>
    public IReadOnlyList<PeerLease> Leases(NodeId? holder = null, string? leaseId = null) =>
        _home.State.Read(c => c.Query(null, SelectLeases + " WHERE ($holder IS NULL OR holder_node_id = $holder) AND ($id IS NULL OR id = $id) ORDER BY created",
            ReadLease, ("$holder", holder?.ToString()), ("$id", leaseId))).Select(Describe).ToList();

    // ---- objects ------------------------------------------------------------------------------------------------

    public IReadOnlyList<StoredObject> Objects(NodeId holder, string leaseId, string? nameKey = null)
    {
        var lease = Row(holder, leaseId);
        RequireLive(lease, _clock());
        return ObjectRows(leaseId, nameKey);
    }

    /// <summary>
    /// Stores an object read from <paramref name="source"/>: exactly <paramref name="storedLength"/> bytes, then the
    /// end of the stream. It becomes visible (replacing one of the same name) only once every byte is durable; an
    /// upload cut short leaves nothing behind.
    /// </summary>
    public async Task<StoredObject> PutAsync(NodeId holder, string leaseId, string nameKey, string sealedName, long storedLength, Stream source, CancellationToken cancellationToken)
    {
        ValidateName(nameKey, sealedName);
        if (storedLength < 0) throw LeaseErrors.InvalidArgument("An object's length cannot be negative.", storedLength);
        var lease = Row(holder, leaseId);
        RequireLive(lease, _clock());
        var offset = Reserve(lease, storedLength);
        try
        {
            var (vault, region) = Region(lease);
            var gate = _uploadGates.GetOrAdd(leaseId, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            long received;
            try
            {
                // The range is this upload's alone (reserved) and whatever it held is a deleted object's: forgetting
                // it lets the vault stream into it as into fresh space, where its writer batches journal records and
                // flushes once, at the commit that acknowledges the upload (over old data it would flush per piece).
                vault.Discard(region, offset, storedLength);
                using var writer = vault.OpenWriter(region, offset);
                received = await UploadIntoVault.CopyAsync(source, writer, storedLength, cancellationToken).ConfigureAwait(false);
                if (received == storedLength) writer.Commit(); // the acknowledgement: every byte durable
            }
            finally
            {
                gate.Release();
            }
            if (received != storedLength) throw LeaseErrors.UploadIncomplete(storedLength, received);
            var written = _clock().ToUnixTimeMilliseconds();
            _home.State.Write((c, t) =>
            {
                // The lease may have ended while the bytes came in: then they were wiped with it and nothing is recorded.
                RequireLive(Row(c, t, holder, leaseId), _clock());
                c.Execute(t, "DELETE FROM hosted_lease_objects WHERE lease_id = $l AND name_key = $n", ("$l", leaseId), ("$n", nameKey));
                c.Execute(t, "INSERT INTO hosted_lease_objects(lease_id, name_key, sealed_name, offset, length, created) VALUES($l, $n, $s, $o, $len, $w)",
                    ("$l", leaseId), ("$n", nameKey), ("$s", sealedName), ("$o", offset), ("$len", storedLength), ("$w", written));
            });
            return new StoredObject(nameKey, sealedName, storedLength, written);
        }
        finally
        {
            Unreserve(leaseId, offset, storedLength);
        }
    }

    /// <summary>Writes an object's stored bytes (as the holder sent them) to <paramref name="destination"/>, after its 8-byte length.</summary>
    public async Task GetAsync(NodeId holder, string leaseId, string nameKey, Stream destination, CancellationToken cancellationToken)
    {
        var lease = Row(holder, leaseId);
        RequireLive(lease, _clock());
        var item = _home.State.Read(c => c.Query(null, "SELECT offset, length FROM hosted_lease_objects WHERE lease_id = $l AND name_key = $n",
            r => (Offset: r.GetInt64(0), Length: r.GetInt64(1)), ("$l", leaseId), ("$n", nameKey))).FirstOrDefault();
        if (item == default) throw LeaseErrors.ObjectNotFound(leaseId, nameKey);
        var (vault, region) = Region(lease);
        var prefix = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(prefix, item.Length);
        await destination.WriteAsync(prefix, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[(int)Math.Min(ReadPiece, Math.Max(1, item.Length))];
        for (long done = 0; done < item.Length;)
        {
            var take = (int)Math.Min(buffer.Length, item.Length - done);
            vault.Read(region, item.Offset + done, buffer.AsSpan(0, take));
            await destination.WriteAsync(buffer.AsMemory(0, take), cancellationToken).ConfigureAwait(false);
            done += take;
        }
    }

    /// <summary>
    /// The host's half of the lease's data key, for its holder only and only while the lease lives: the holder
    /// derives the lease's keys from it and its own owner key, and never stores it. Destroyed when the lease ends.
    /// </summary>
    public byte[] KeyShare(NodeId holder, string leaseId)
    {
        var lease = Row(holder, leaseId);
        RequireLive(lease, _clock());
        return lease.KeyShare!;
    }

    /// <summary>Forgets an object. Its bytes stay, unreadable without both key halves, until reused or the lease's wipe.</summary>
    public void Delete(NodeId holder, string leaseId, string nameKey)
    {
        _home.State.Write((c, t) =>
        {
            RequireLive(Row(c, t, holder, leaseId), _clock());
            if (c.Execute(t, "DELETE FROM hosted_lease_objects WHERE lease_id = $l AND name_key = $n", ("$l", leaseId), ("$n", nameKey)) == 0)
                throw LeaseErrors.ObjectNotFound(leaseId, nameKey);
        });
    }

    // ---- expiry -------------------------------------------------------------------------------------------------

    /// <summary>
    /// Ends every lease whose time (plus the clock-skew grace) is up: region zeroed and released, key destroyed. Warns
    /// once, in the log, about leases entering their warning window. Restartable: a lease left half-ended by a crash
    /// is finished on the next sweep. Returns the leases it ended.
    /// </summary>
    public IReadOnlyList<string> Sweep()
    {
        var now = _clock();
        var grace = LeasePolicy.Grace(_home);
        var leases = _home.State.Read(c => c.Query(null, SelectLeases + " WHERE ended IS NULL", ReadLease));
        var ended = new List<string>();
        foreach (var lease in leases)
        {
            var until = LeasePolicy.FromUnixMs(lease.Until);
            if (now >= until + grace || lease.State == "Claiming" && now - LeasePolicy.FromUnixMs(lease.Created) > TimeSpan.FromMinutes(1))
            {
                try
                {
                    End(lease, "Expired");
                    ended.Add(lease.Id);
                }
                catch (PeerStorageException e)
                {
                    _home.Log.Warning("Could not wipe expired lease {LeaseId} yet: {Reason}", lease.Id, e.Message);
                }
            }
            else if (!lease.Warned && now >= until - LeasePolicy.WarningWindow(LeasePolicy.FromUnixMs(lease.Created), until))
            {
                _home.Log.Warning("Lease {LeaseId} held by {Holder} ends {Until:u}; its space will then be wiped", lease.Id, lease.Holder, until);
                _home.State.Write((c, t) => c.Execute(t, "UPDATE hosted_leases SET warned = 1 WHERE id = $id", ("$id", lease.Id)));
            }
        }
        if (ended.Count > 0) _home.State.Write((c, t) => AvailabilityOffers.UpdateAnnounced(c, t, now));
        return ended;
    }

    /// <summary>Wipes the region (journaled: zeros on the carrier), then destroys the key and the object index.</summary>
    private void End(LeaseRow lease, string state)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (lease.RegionId is not null)
            {
                var vault = Vault(lease.PartitionId);
                var region = vault.Regions.FirstOrDefault(r => r.Id == Guid.Parse(lease.RegionId));
                if (region is not null) vault.Free(region); // absent: a crash came after the wipe, before the record below
            }
            var now = _clock();
            _home.State.Write((c, t) =>
            {
                c.Execute(t, "DELETE FROM hosted_lease_objects WHERE lease_id = $id", ("$id", lease.Id));
                c.Execute(t, "UPDATE hosted_leases SET state = $s, key_share = NULL, region_id = NULL, ended = $now WHERE id = $id",
                    ("$s", state), ("$now", LeasePolicy.ToUnixMs(now)), ("$id", lease.Id));
                AvailabilityOffers.UpdateAnnounced(c, t, now);
            });
            // The key's old page may linger in the write-ahead log until a checkpoint copies and truncates it.
            _home.State.Read(c => c.Scalar(null, "PRAGMA wal_checkpoint(TRUNCATE)"));
            _home.Log.Tell("Lease {LeaseId} {State}: its space was wiped and its key destroyed", lease.Id, state.ToLowerInvariant());
        }
    }

    // ---- the partition's side ------------------------------------------------------------------------------------

    /// <summary>Leases on a partition that have not ended.</summary>
    public static int ActiveLeases(NodeHome home, string partitionId) => home.State.Read(c =>
        Convert.ToInt32(c.Scalar(null, "SELECT COUNT(*) FROM hosted_leases WHERE partition_id = $p AND ended IS NULL", ("$p", partitionId)), System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// After a partition was wiped whole (Remove-HiddenStoragePartition -Force): its leases end as Wiped with their
    /// keys destroyed, and its offers are withdrawn.
    /// </summary>
    public static void ForgetPartition(NodeHome home, string partitionId)
    {
        var now = DateTimeOffset.UtcNow;
        home.State.Write((c, t) =>
        {
            c.Execute(t, "DELETE FROM hosted_lease_objects WHERE lease_id IN (SELECT id FROM hosted_leases WHERE partition_id = $p)", ("$p", partitionId));
            c.Execute(t, "UPDATE hosted_leases SET state = 'Wiped', key_share = NULL, region_id = NULL, ended = $now WHERE partition_id = $p AND ended IS NULL",
                ("$p", partitionId), ("$now", LeasePolicy.ToUnixMs(now)));
            c.Execute(t, "UPDATE availability_offers SET withdrawn = $now WHERE partition_id = $p AND withdrawn IS NULL", ("$p", partitionId), ("$now", LeasePolicy.ToUnixMs(now)));
            AvailabilityOffers.UpdateAnnounced(c, t, now);
        });
        home.State.Read(c => c.Scalar(null, "PRAGMA wal_checkpoint(TRUNCATE)"));
    }

    // ---- plumbing -----------------------------------------------------------------------------------------------

    private const string SelectLeases = "SELECT id, offer_id, partition_id, holder_node_id, region_id, size, until, created, state, key_share, warned, ended FROM hosted_leases";

    private static LeaseRow ReadLease(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
        r.IsDBNull(4) ? null : r.GetString(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetString(8),
        r.IsDBNull(9) ? null : (byte[])r[9], r.GetInt64(10) != 0, r.IsDBNull(11) ? null : r.GetInt64(11));

    private LeaseRow Row(NodeId holder, string leaseId) => _home.State.Read(c => Row(c, null, holder, leaseId));

    /// <summary>The caller's lease; another holder's lease is "not found", so its existence does not leak.</summary>
    private static LeaseRow Row(SqliteConnection c, SqliteTransaction? t, NodeId holder, string leaseId) =>
        c.Query(t, SelectLeases + " WHERE id = $id AND holder_node_id = $holder", ReadLease, ("$id", leaseId), ("$holder", holder.ToString()))
            .FirstOrDefault() ?? throw LeaseErrors.LeaseNotFound(leaseId);

    private static void RequireLive(LeaseRow lease, DateTimeOffset now)
    {
        if (lease.Ended is not null || lease.State != "Active") throw LeaseErrors.LeaseEnded(lease.Id, lease.State);
        // Within the grace the data is still there, but no new work starts on it.
        if (now >= LeasePolicy.FromUnixMs(lease.Until)) throw LeaseErrors.LeaseEnded(lease.Id, "Expired");
    }

    private List<StoredObject> ObjectRows(string leaseId, string? nameKey) => _home.State.Read(c => c.Query(null,
        "SELECT name_key, sealed_name, length, created FROM hosted_lease_objects WHERE lease_id = $l AND ($n IS NULL OR name_key = $n) ORDER BY created",
        r => new StoredObject(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3)), ("$l", leaseId), ("$n", nameKey)));

    private PeerLease Describe(LeaseRow lease)
    {
        var (used, count) = _home.State.Read(c => c.Query(null, "SELECT COALESCE(SUM(length), 0), COUNT(*) FROM hosted_lease_objects WHERE lease_id = $l",
            r => (r.GetInt64(0), r.GetInt32(1)), ("$l", lease.Id)).Single());
        var created = LeasePolicy.FromUnixMs(lease.Created);
        var until = LeasePolicy.FromUnixMs(lease.Until);
        return new PeerLease
        {
            LeaseId = lease.Id, Role = "Hosted", NodeId = _home.NodeId.ToString(), HolderNodeId = lease.Holder, OfferId = lease.OfferId,
            Size = lease.Size, Used = used, Objects = count, Until = until, Created = created,
            State = lease.Ended is not null || lease.State != "Active" ? lease.State : LeasePolicy.StateAt(_clock(), created, until),
        };
    }

    /// <summary>
    /// First fit among the gaps between stored objects and uploads in flight, packed right after the neighbour before it.
    /// Objects are not padded to vault blocks: padding a gap that is later needed whole would cost the holder quota
    /// (a lease filled by objects of odd lengths must take its last byte); a first block shared with a neighbour is
    /// only read back once by the vault writer.
    /// </summary>
    private long Reserve(LeaseRow lease, long length)
    {
        lock (_gate)
        {
            var taken = _home.State.Read(c => c.Query(null, "SELECT offset, length FROM hosted_lease_objects WHERE lease_id = $l",
                r => (Offset: r.GetInt64(0), Length: r.GetInt64(1)), ("$l", lease.Id)));
            if (_inFlight.TryGetValue(lease.Id, out var flying)) taken.AddRange(flying);
            long cursor = 0, largest = 0;
            long? found = null;
            foreach (var (offset, used) in taken.OrderBy(x => x.Offset).Append((Offset: lease.Size, Length: 0L)))
            {
                if (offset - cursor >= length)
                {
                    found = cursor;
                    break;
                }
                largest = Math.Max(largest, offset - cursor);
                cursor = Math.Max(cursor, offset + used);
            }
            if (found is not long start) throw LeaseErrors.QuotaExceeded(lease.Id, length, Math.Max(largest, Math.Max(0, lease.Size - cursor)));
            if (!_inFlight.TryGetValue(lease.Id, out flying)) _inFlight[lease.Id] = flying = [];
            flying.Add((start, length));
            return start;
        }
    }

    private void Unreserve(string leaseId, long offset, long length)
    {
        lock (_gate)
            if (_inFlight.TryGetValue(leaseId, out var flying) && flying.Remove((offset, length)) && flying.Count == 0)
                _inFlight.Remove(leaseId);
    }

    private (VaultStore Vault, VaultRegion Region) Region(LeaseRow lease)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var vault = Vault(lease.PartitionId);
            return (vault, vault.GetRegion(Guid.Parse(lease.RegionId!)));
        }
    }

    private VaultStore Vault(string partitionId)
    {
        if (_vaults.TryGetValue(partitionId, out var open)) return open;
        var row = HiddenPartitions.Rows(_home, partitionId).SingleOrDefault()
            ?? throw new PeerStorageException("HiddenPartitionNotFound", PeerErrorKind.NotFound, $"Hidden storage partition {partitionId} is gone from this node.", target: partitionId);
        var vault = HiddenPartitions.Open(row); // held while the node serves: the carrier stays locked
        if (vault.Id.ToString() != row.Id)
        {
            vault.Dispose();
            throw new PeerStorageException("HiddenPartitionMismatch", PeerErrorKind.InvalidData,
                $"'{row.Location}' holds another vault ({vault.Id}), not {row.Id}; leases on it are not served.", target: row.Location);
        }
        _vaults[partitionId] = vault;
        return vault;
    }

    private static void ValidateName(string nameKey, string sealedName)
    {
        if (nameKey.Length != 64 || !nameKey.All(char.IsAsciiHexDigitLower))
            throw LeaseErrors.InvalidArgument("An object's name key is 64 lowercase hex digits.", nameKey);
        if (sealedName.Length is 0 or > 4096) throw LeaseErrors.InvalidArgument("An object's sealed name is 1 to 4096 characters.", sealedName.Length);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed) throw new PeerStorageException("NodeStopping", PeerErrorKind.Stopped, "The node is stopping; it no longer serves leases.");
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var vault in _vaults.Values) vault.Dispose();
            _vaults.Clear();
        }
    }
}
