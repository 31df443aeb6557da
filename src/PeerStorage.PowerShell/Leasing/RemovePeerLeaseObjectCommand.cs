using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Deletes an object from a lease this node holds.</para>
/// <para type="description">Remove-PeerLeaseObject tells the host to forget the object; its space in the lease is free
/// for the next write. Its bytes stay unreadable ciphertext (it takes both the owner key and the host's key share) until
/// overwritten or the lease's wipe.</para>
/// </summary>
/// <example>
/// <code>Get-PeerLeaseObject -LeaseId 3f1c... -Name '*.tmp' | Remove-PeerLeaseObject</code>
/// <para>Deletes the lease's temporary files.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "PeerLeaseObject", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemovePeerLeaseObjectCommand : NodeCmdlet
{
    /// <summary><para>The lease the object is in.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string LeaseId { get; set; } = "";

    /// <summary><para>The object's name.</para></summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess($"{Name} in lease {LeaseId}", "Delete the object")) return;
        TryRunEngine(async (_, cancellationToken) =>
        {
            await LeaseClient.DeleteObjectAsync(session.Home, LeaseId, Name, cancellationToken).ConfigureAwait(false);
            return true;
        }, Name, out _);
    }
}
