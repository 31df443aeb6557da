using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Withdraws an offer of hidden storage.</para>
/// <para type="description">Unpublish-Availability stops new leases against an offer and takes its unleased space out
/// of what the node announces. Leases already claimed run until their end, then are wiped as usual.</para>
/// </summary>
/// <example>
/// <code>Get-Availability | Unpublish-Availability</code>
/// <para>Withdraws every offer of this node.</para>
/// </example>
[Cmdlet(VerbsData.Unpublish, "Availability", SupportsShouldProcess = true)]
[OutputType(typeof(Availability))]
public sealed class UnpublishAvailabilityCommand : NodeCmdlet
{
    /// <summary><para>The offer to withdraw.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string OfferId { get; set; } = "";

    /// <summary><para>Returns the withdrawn offer.</para></summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess(OfferId, "Withdraw the availability offer")) return;
        if (TryRunEngine(() => AvailabilityOffers.Unpublish(session.Home, OfferId), OfferId, out var offer) && PassThru) WriteObject(offer);
    }
}
