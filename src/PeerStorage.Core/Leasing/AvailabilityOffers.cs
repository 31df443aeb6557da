using System.Globalization;
using Microsoft.Data.Sqlite;
using PeerStorage.Core.Logging;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Leasing;

/// <summary>
/// Offers of space in this node's hidden storage until a time. An offer is bookkeeping: space is taken from the vault
/// only when a peer claims a lease against it. Offers never over-commit a partition, and their unleased total is what
/// the node announces on the link (TXT "cap") and tells peers that ask.
/// </summary>
public static class AvailabilityOffers
{
    public static Availability Publish(NodeHome home, long size, DateTimeOffset until, string? partitionId, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        if (size <= 0) throw LeaseErrors.InvalidArgument($"An offer needs a positive size, not {size}.", size);
        if (until <= at) throw LeaseErrors.InvalidUntil(until);
        var partitions = HiddenPartitions.Rows(home, partitionId);
        if (partitions.Count == 0)
            throw partitionId is null ? LeaseErrors.NoPartition()
                : new PeerStorageException("HiddenPartitionNotFound", PeerErrorKind.NotFound, $"No hidden storage partition {partitionId} on this node.", target: partitionId);
        var id = Guid.NewGuid().ToString();
        home.State.Write((c, t) =>
        {
            // The first partition with room enough, counting what active offers there already promise.
            var rooms = partitions.Select(p => (p.Id, Room: p.Size - Promised(c, t, p.Id, at))).ToList();
            var chosen = rooms.FirstOrDefault(r => r.Room >= size);
            if (chosen.Id is null)
            {
                var best = rooms.MaxBy(r => r.Room);
                throw LeaseErrors.OfferTooLarge(size, Math.Max(0, best.Room), best.Id);
            }
            c.Execute(t, "INSERT INTO availability_offers(id, partition_id, size, until, created) VALUES($id, $p, $size, $until, $created)",
                ("$id", id), ("$p", chosen.Id), ("$size", size), ("$until", LeasePolicy.ToUnixMs(until)), ("$created", LeasePolicy.ToUnixMs(at)));
            UpdateAnnounced(c, t, at);
        });
        home.Log.Tell("Offered {Size} bytes of hidden storage until {Until:u} (offer {OfferId})", size, until, id);
        return List(home, id, at).Single();
    }

    /// <summary>This node's offers, newest first; ended ones stay listed with their state.</summary>
    public static IReadOnlyList<Availability> List(NodeHome home, string? offerId = null, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        return home.State.Read(c => Rows(c, null, offerId).Select(r => Describe(home, c, r, at)).ToList());
    }

    /// <summary>Offers a peer may claim against now.</summary>
    public static IReadOnlyList<Availability> Active(NodeHome home, DateTimeOffset? now = null) =>
        List(home, null, now).Where(o => o.State == "Active").ToList();

    /// <summary>Withdraws an offer: no new leases against it; leases already claimed run to their end.</summary>
    public static Availability Unpublish(NodeHome home, string offerId, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        home.State.Write((c, t) =>
        {
            if (c.Execute(t, "UPDATE availability_offers SET withdrawn = $now WHERE id = $id AND withdrawn IS NULL", ("$now", LeasePolicy.ToUnixMs(at)), ("$id", offerId)) == 0)
                throw LeaseErrors.OfferNotFound(offerId);
            UpdateAnnounced(c, t, at);
        });
        home.Log.Tell("Withdrew availability offer {OfferId}", offerId);
        return List(home, offerId, at).Single();
    }

    internal sealed record OfferRow(string Id, string PartitionId, long Size, long Until, long Created, long? Withdrawn);

    internal static List<OfferRow> Rows(SqliteConnection c, SqliteTransaction? t, string? offerId) =>
        c.Query(t, "SELECT id, partition_id, size, until, created, withdrawn FROM availability_offers" + (offerId is null ? "" : " WHERE id = $id") + " ORDER BY created DESC",
            r => new OfferRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.IsDBNull(5) ? null : r.GetInt64(5)),
            ("$id", offerId));

    internal static string StateOf(OfferRow offer, DateTimeOffset now) =>
        offer.Withdrawn is not null ? "Withdrawn" : offer.Until <= LeasePolicy.ToUnixMs(now) ? "Expired" : "Active";

    /// <summary>Bytes leased against an offer by leases not ended.</summary>
    internal static long Leased(SqliteConnection c, SqliteTransaction? t, string offerId) =>
        (long)(c.Scalar(t, "SELECT COALESCE(SUM(size), 0) FROM hosted_leases WHERE offer_id = $id AND ended IS NULL", ("$id", offerId)) ?? 0L);

    /// <summary>
    /// What a partition has promised: the full size of active offers, plus leases still running on offers that
    /// ended or were withdrawn (their space is in use until they end).
    /// </summary>
    private static long Promised(SqliteConnection c, SqliteTransaction t, string partitionId, DateTimeOffset now) =>
        (long)(c.Scalar(t, """
            SELECT COALESCE((SELECT SUM(size) FROM availability_offers WHERE partition_id = $p AND withdrawn IS NULL AND until > $now), 0)
                 + COALESCE((SELECT SUM(l.size) FROM hosted_leases l JOIN availability_offers o ON o.id = l.offer_id
                             WHERE l.partition_id = $p AND l.ended IS NULL AND (o.withdrawn IS NOT NULL OR o.until <= $now)), 0)
            """, ("$p", partitionId), ("$now", LeasePolicy.ToUnixMs(now))) ?? 0L);

    /// <summary>Keeps the announced capacity (the offered_bytes setting, read by the runtime) equal to the unleased space of active offers.</summary>
    internal static void UpdateAnnounced(SqliteConnection c, SqliteTransaction t, DateTimeOffset now)
    {
        long free = 0;
        foreach (var offer in Rows(c, t, null).Where(o => StateOf(o, now) == "Active"))
            free += Math.Max(0, offer.Size - Leased(c, t, offer.Id));
        var value = free.ToString(CultureInfo.InvariantCulture);
        if (Settings.Get(c, SettingKeys.OfferedBytes) == value) return;
        c.Execute(t, "INSERT INTO settings(key, value) VALUES($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            ("$k", SettingKeys.OfferedBytes), ("$v", value));
    }

    private static Availability Describe(NodeHome home, SqliteConnection c, OfferRow r, DateTimeOffset now) => new()
    {
        OfferId = r.Id, NodeId = home.NodeId.ToString(), NodeName = home.Name, PartitionId = r.PartitionId, Size = r.Size,
        Free = Math.Max(0, r.Size - Leased(c, null, r.Id)), Until = LeasePolicy.FromUnixMs(r.Until),
        Leases = Convert.ToInt32(c.Scalar(null, "SELECT COUNT(*) FROM hosted_leases WHERE offer_id = $id AND ended IS NULL", ("$id", r.Id)), CultureInfo.InvariantCulture),
        State = StateOf(r, now), Created = LeasePolicy.FromUnixMs(r.Created),
    };
}
