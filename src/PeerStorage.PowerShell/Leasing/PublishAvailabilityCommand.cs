using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Offers space in the node's hidden storage to peers until a time.</para>
/// <para type="description">Publish-Availability creates an offer: peers may claim leases against it (New-PeerLease) up
/// to its size, none outliving it. Offers never promise more than a hidden storage partition holds. The node announces
/// the unleased space of its active offers on the local link (DNS-SD TXT "cap") and tells peers that ask
/// (Get-Availability -NodeId). Space is taken from the vault only when a lease is claimed.</para>
/// </summary>
/// <example>
/// <code>Publish-Availability -Size 100GB -Until (Get-Date).AddDays(30)</code>
/// <para>Offers 100 GB for the next 30 days.</para>
/// </example>
/// <example>
/// <code>Get-HiddenStoragePartition | Publish-Availability -Size 10GB -Until '2027-01-31'</code>
/// <para>Offers 10 GB of each vault until the end of January.</para>
/// </example>
[Cmdlet(VerbsData.Publish, "Availability", SupportsShouldProcess = true)]
[OutputType(typeof(Availability))]
public sealed class PublishAvailabilityCommand : NodeCmdlet
{
    /// <summary><para>Bytes to offer (1GB literals work).</para></summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(1L, long.MaxValue)]
    public long Size { get; set; }

    /// <summary><para>Until when the space is available. Leases end no later; then their space is wiped.</para></summary>
    [Parameter(Mandatory = true, Position = 1)]
    public DateTimeOffset Until { get; set; }

    /// <summary><para>The hidden storage partition to offer from. Defaults to the first with enough unpromised room.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string? PartitionId { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess(session.Home.Name, $"Offer {Size} bytes of hidden storage until {Until:u}")) return;
        if (TryRunEngine(() => AvailabilityOffers.Publish(session.Home, Size, Until, PartitionId), Size, out var offer)) WriteObject(offer);
    }
}
