using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Lists offers of hidden storage: this node's, or a peer's.</para>
/// <para type="description">Without -NodeId, Get-Availability lists this node's offers with their state (Active,
/// Expired, Withdrawn) and unleased space. With -NodeId it asks that peer over an authenticated session for its active
/// offers, which New-PeerLease takes from the pipeline.</para>
/// </summary>
/// <example>
/// <code>Get-Availability | Where-Object State -eq 'Active'</code>
/// <para>Shows what this node offers now.</para>
/// </example>
/// <example>
/// <code>Find-PeerNode | Where-Object OfferedBytes -gt 10GB | Get-Availability</code>
/// <para>Asks every peer on the link that announces more than 10 GB for its offers.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "Availability")]
[OutputType(typeof(Availability))]
public sealed class GetAvailabilityCommand : NodeCmdlet
{
    /// <summary><para>A peer whose active offers to list. Without it, this node's offers.</para></summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? NodeId { get; set; }

    /// <summary><para>Only this offer.</para></summary>
    [Parameter]
    public string? OfferId { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        if (NodeId is null)
        {
            if (!TryRunEngine(() => AvailabilityOffers.List(home, OfferId), OfferId, out var offers)) return;
            foreach (var offer in offers) WriteObject(offer);
            if (OfferId is not null && offers.Count == 0)
                WriteError(ErrorRecords.From(new PeerStorageException("AvailabilityNotFound", PeerErrorKind.NotFound, $"No offer {OfferId} on this node.", target: OfferId)));
            return;
        }
        if (!TryRunEngine(async (_, cancellationToken) =>
                await LeaseClient.OffersAsync(home, Core.Node.NodeId.Parse(NodeId), cancellationToken).ConfigureAwait(false), NodeId, out var remote)) return;
        foreach (var offer in remote.Where(o => OfferId is null || o.OfferId == OfferId)) WriteObject(offer);
    }
}
