using PeerStorage.Core.Node;

namespace PeerStorage.Core.Leasing;

/// <summary>
/// What a running node does about lease time, at start and then periodically: as a host it wipes leases whose time
/// is up (so a node that was off at the moment of expiry wipes them when it starts); as a holder it warns, once per
/// lease, that a lease it holds is about to end.
/// </summary>
public sealed class LeaseMaintenance(NodeHome home, LeaseHost host)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private readonly HashSet<string> _warnedHeld = new(StringComparer.Ordinal);

    /// <summary>One pass; returns the hosted leases it wiped and the held leases it warned about.</summary>
    public (IReadOnlyList<string> Wiped, IReadOnlyList<string> Warned) Run(DateTimeOffset? now = null)
    {
        var wiped = host.Sweep();
        var at = now ?? DateTimeOffset.UtcNow;
        var warned = new List<string>();
        foreach (var held in HeldLeases.List(home).Where(h => h.State == "Active"))
        {
            if (LeasePolicy.StateAt(at, held.Created, held.Until) == "Active" || !_warnedHeld.Add(held.LeaseId)) continue;
            home.Log.Warning("Lease {LeaseId} on node {Host} ends {Until:u}: renew it (Update-PeerLease) or copy its objects elsewhere before then",
                held.LeaseId, held.HostNodeId, held.Until);
            warned.Add(held.LeaseId);
        }
        return (wiped, warned);
    }
}
