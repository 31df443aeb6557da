using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Releases a lease this node holds: the host wipes it, this node destroys its key.</para>
/// <para type="description">Remove-PeerLease gives the space back before its time. The host zeroes the lease's space
/// and destroys its key share at once; this node destroys the lease's owner key, so nothing stored in it can ever be
/// read again (ConfirmImpact High). A lease that already ended on the host is simply marked released here.</para>
/// </summary>
/// <example>
/// <code>Get-PeerLease | Where-Object Objects -eq 0 | Remove-PeerLease -Confirm:$false</code>
/// <para>Gives back every lease that holds nothing.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "PeerLease", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemovePeerLeaseCommand : NodeCmdlet
{
    /// <summary><para>The lease to release.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string LeaseId { get; set; } = "";

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess(LeaseId, "Release the lease (the host wipes its objects; its key is destroyed)")) return;
        TryRunEngine(async (_, cancellationToken) =>
        {
            await LeaseClient.ReleaseAsync(session.Home, LeaseId, cancellationToken).ConfigureAwait(false);
            return true;
        }, LeaseId, out _);
    }
}
