using Microsoft.Data.Sqlite;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Leasing;

/// <summary>
/// The leases this node holds on peers, with each lease's owner key: the key never leaves this database, so only
/// this node can read what it stored (losing the node home loses the data, by design).
/// </summary>
public static class HeldLeases
{
    public sealed record Held(string LeaseId, string HostNodeId, string OfferId, long Size, DateTimeOffset Until, DateTimeOffset Created, byte[] OwnerKey, string State);

    public static void Record(NodeHome home, PeerLease lease, byte[] ownerKey) => home.State.Write((c, t) =>
        c.Execute(t, """
            INSERT INTO held_leases(id, host_node_id, offer_id, size, until, created, owner_key, state) VALUES($id, $host, $offer, $size, $until, $created, $key, 'Active')
            ON CONFLICT(id) DO UPDATE SET until = excluded.until, size = excluded.size
            """, ("$id", lease.LeaseId), ("$host", lease.NodeId), ("$offer", lease.OfferId), ("$size", lease.Size),
            ("$until", LeasePolicy.ToUnixMs(lease.Until)), ("$created", LeasePolicy.ToUnixMs(lease.Created)), ("$key", ownerKey)));

    public static void SetUntil(NodeHome home, string leaseId, DateTimeOffset until) => home.State.Write((c, t) =>
        c.Execute(t, "UPDATE held_leases SET until = $until WHERE id = $id", ("$until", LeasePolicy.ToUnixMs(until)), ("$id", leaseId)));

    /// <summary>Marks a lease ended and destroys its owner key: what the host may still hold is unreadable to anyone.</summary>
    public static void End(NodeHome home, string leaseId, string state) => home.State.Write((c, t) =>
        c.Execute(t, "UPDATE held_leases SET state = $s, owner_key = zeroblob(32) WHERE id = $id", ("$s", state), ("$id", leaseId)));

    public static IReadOnlyList<Held> List(NodeHome home, string? leaseId = null, string? hostNodeId = null) => home.State.Read(c =>
        c.Query(null, "SELECT id, host_node_id, offer_id, size, until, created, owner_key, state FROM held_leases WHERE ($id IS NULL OR id = $id) AND ($host IS NULL OR host_node_id = $host) ORDER BY created",
            Read, ("$id", leaseId), ("$host", hostNodeId)));

    public static Held Get(NodeHome home, string leaseId) =>
        List(home, leaseId).SingleOrDefault()
        ?? throw new PeerStorageException("LeaseNotFound", PeerErrorKind.NotFound, $"This node holds no lease {leaseId} (Get-PeerLease lists those it holds).", target: leaseId);

    private static Held Read(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3),
        LeasePolicy.FromUnixMs(r.GetInt64(4)), LeasePolicy.FromUnixMs(r.GetInt64(5)), (byte[])r[6], r.GetString(7));

    /// <summary>How the holder shows a lease it knows only from its own records (host unreachable or lease ended).</summary>
    public static PeerLease Describe(NodeHome home, Held held, DateTimeOffset now) => new()
    {
        LeaseId = held.LeaseId, Role = "Held", NodeId = held.HostNodeId, HolderNodeId = home.NodeId.ToString(), OfferId = held.OfferId,
        Size = held.Size, Until = held.Until, Created = held.Created,
        State = held.State != "Active" ? held.State : LeasePolicy.StateAt(now, held.Created, held.Until),
    };
}
