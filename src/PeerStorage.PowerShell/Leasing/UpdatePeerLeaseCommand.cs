using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Renews a lease this node holds: moves its end.</para>
/// <para type="description">Update-PeerLease asks the host to move the lease's end to -Until. The host allows it up to
/// the end of the offer the lease was claimed against; an ended lease cannot be renewed.</para>
/// </summary>
/// <example>
/// <code>Update-PeerLease -LeaseId 3f1c... -Until (Get-Date).AddDays(14)</code>
/// <para>Extends a lease by two weeks from now.</para>
/// </example>
[Cmdlet(VerbsData.Update, "PeerLease", SupportsShouldProcess = true)]
[OutputType(typeof(PeerLease))]
public sealed class UpdatePeerLeaseCommand : NodeCmdlet
{
    /// <summary><para>The lease to renew.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string LeaseId { get; set; } = "";

    /// <summary><para>The new end.</para></summary>
    [Parameter(Mandatory = true, Position = 1)]
    public DateTimeOffset Until { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess(LeaseId, $"Renew the lease until {Until:u}")) return;
        if (TryRunEngine(async (_, cancellationToken) =>
                await LeaseClient.RenewAsync(session.Home, LeaseId, Until, cancellationToken).ConfigureAwait(false), LeaseId, out var lease)) WriteObject(lease);
    }
}
