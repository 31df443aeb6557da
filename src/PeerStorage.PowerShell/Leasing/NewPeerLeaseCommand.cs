using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Claims a lease on space a peer offers.</para>
/// <para type="description">New-PeerLease asks a peer, over an authenticated session, for a lease of -Size bytes
/// against one of its offers (-OfferId, or the first that fits) until -Until (default: the offer's end). The lease is
/// this node's alone: the peer lets only this node id touch it. A fresh owner key is made for it and kept in this
/// node's state database; objects are encrypted with it before they leave, so the peer holds only ciphertext. When the
/// lease ends the peer wipes its space.</para>
/// </summary>
/// <example>
/// <code>New-PeerLease -NodeId 'MFZWI3D-...' -Size 50GB -Until (Get-Date).AddDays(7)</code>
/// <para>Leases 50 GB on a peer for a week.</para>
/// </example>
/// <example>
/// <code>Get-Availability -NodeId 'MFZWI3D-...' | Select-Object -First 1 | New-PeerLease -Size 1GB</code>
/// <para>Leases 1 GB against a peer's first offer, until that offer ends.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "PeerLease", SupportsShouldProcess = true)]
[OutputType(typeof(PeerLease))]
public sealed class NewPeerLeaseCommand : NodeCmdlet
{
    /// <summary><para>The peer that hosts the space.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string NodeId { get; set; } = "";

    /// <summary><para>Bytes to lease.</para></summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(1L, long.MaxValue)]
    public long Size { get; set; }

    /// <summary><para>When the lease ends. Defaults to the end of the offer it is claimed against.</para></summary>
    [Parameter]
    public DateTimeOffset? Until { get; set; }

    /// <summary><para>The offer to claim against. Defaults to the peer's first offer with room and time enough.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? OfferId { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess(NodeId, $"Lease {Size} bytes" + (Until is { } u ? $" until {u:u}" : ""))) return;
        if (TryRunEngine(async (_, cancellationToken) =>
                await LeaseClient.ClaimAsync(session.Home, Core.Node.NodeId.Parse(NodeId), Size, Until, OfferId, cancellationToken).ConfigureAwait(false),
                NodeId, out var lease)) WriteObject(lease);
    }
}
