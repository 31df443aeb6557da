using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Lists leases: those this node holds on peers, or those it hosts for peers.</para>
/// <para type="description">Get-PeerLease asks each host for the current state of the leases this node holds (used
/// space, object count, Active, Expiring, Expired, Released). A host that cannot be reached is reported as an error
/// record and its leases are shown from this node's records. -Hosted lists the leases peers hold on this node instead. A
/// lease in its warning window (a tenth of its span, at most a day) shows as Expiring and writes a warning.</para>
/// </summary>
/// <example>
/// <code>Get-PeerLease | Where-Object State -eq 'Expiring' | Update-PeerLease -Until (Get-Date).AddDays(7)</code>
/// <para>Renews every lease about to end by a week (when the hosts' offers allow).</para>
/// </example>
/// <example>
/// <code>Get-PeerLease -Hosted | Format-Table HolderNodeId, Size, Used, Until</code>
/// <para>Shows who stores what on this node, until when.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "PeerLease", DefaultParameterSetName = "Held")]
[OutputType(typeof(PeerLease))]
public sealed class GetPeerLeaseCommand : NodeCmdlet
{
    /// <summary><para>Only this lease.</para></summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? LeaseId { get; set; }

    /// <summary><para>Lists the leases peers hold on this node rather than those this node holds.</para></summary>
    [Parameter(Mandatory = true, ParameterSetName = "Hosted")]
    public SwitchParameter Hosted { get; set; }

    /// <summary>Read from the state database only: no vault is opened, so this works beside a running node.</summary>
    private IReadOnlyList<PeerLease> HostedLeases(Core.Node.NodeHome home)
    {
        using var host = new LeaseHost(home);
        return host.Leases(null, LeaseId);
    }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        if (Hosted)
        {
            if (!TryRunEngine(() => HostedLeases(home), LeaseId, out var hosted)) return;
            foreach (var lease in hosted) WriteObject(lease);
            if (LeaseId is not null && hosted.Count == 0)
                WriteError(ErrorRecords.From(new PeerStorageException("LeaseNotFound", PeerErrorKind.NotFound, $"No lease {LeaseId} is hosted on this node.", target: LeaseId)));
            return;
        }
        var unreachable = new List<PeerStorageException>();
        if (!TryRunEngine(async (_, cancellationToken) =>
                await LeaseClient.ListAsync(home, LeaseId, e => { lock (unreachable) unreachable.Add(e); }, cancellationToken).ConfigureAwait(false),
                LeaseId, out var leases)) return;
        // A host that cannot be reached is an error a script can see; its leases still come out, as last known here.
        foreach (var e in unreachable) WriteError(ErrorRecords.From(e));
        foreach (var lease in leases)
        {
            if (lease.State == "Expiring") WriteWarning($"Lease {lease.LeaseId} on {lease.NodeId} ends {lease.Until:u}; renew it or copy its objects elsewhere.");
            WriteObject(lease);
        }
    }
}
