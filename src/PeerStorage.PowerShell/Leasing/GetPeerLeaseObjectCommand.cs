using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Lists the objects in a lease this node holds.</para>
/// <para type="description">Get-PeerLeaseObject asks the host for the lease's objects and decrypts their names with
/// the lease's owner key (the host only knows keyed hashes of them). -Name narrows to one object, with an error when
/// it is not there; wildcards filter.</para>
/// </summary>
/// <example>
/// <code>Get-PeerLease | Get-PeerLeaseObject | Measure-Object Length -Sum</code>
/// <para>Adds up what this node stores on peers.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "PeerLeaseObject")]
[OutputType(typeof(PeerLeaseObject))]
public sealed class GetPeerLeaseObjectCommand : NodeCmdlet
{
    /// <summary><para>The lease to list.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string LeaseId { get; set; } = "";

    /// <summary><para>Only the object of this name (wildcards allowed).</para></summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var exact = Name is not null && !WildcardPattern.ContainsWildcardCharacters(Name) ? Name : null;
        if (!TryRunEngine(async (_, cancellationToken) =>
                await LeaseClient.ObjectsAsync(session.Home, LeaseId, exact, cancellationToken).ConfigureAwait(false), Name ?? LeaseId, out var objects)) return;
        var pattern = Name is null || exact is not null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
        foreach (var item in objects.Where(o => pattern is null || pattern.IsMatch(o.Name))) WriteObject(item);
    }
}
