using System.Management.Automation;
using PeerStorage.Core.Vault;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Wipes a hidden storage partition and gives its space back to the OS.</para>
/// <para type="description">Remove-HiddenStoragePartition overwrites every lease's extents with zeros (recorded in the
/// vault's journal), then releases the carrier: a container file is deleted; on a device or partition the superblocks,
/// journal and metadata are zeroed too, so nothing (blkid included) finds a vault or a filesystem there; a GPT
/// partition is then deleted from its disk. Peers' data in it is gone for good (ConfirmImpact High). A vault that a
/// running node serves is refused (VaultInUse): stop the node first. A vault with leases that have not ended is
/// refused (HiddenPartitionHasLeases) unless -Force; then those leases end as Wiped and its offers are withdrawn.</para>
/// </summary>
/// <example>
/// <code>Get-HiddenStoragePartition | Remove-HiddenStoragePartition -Confirm:$false</code>
/// <para>Wipes and removes every vault of the node.</para>
/// </example>
/// <example>
/// <code>Get-HiddenStoragePartition | Where-Object Kind -eq 'GptPartition' | Remove-HiddenStoragePartition -WhatIf</code>
/// <para>Shows which GPT partition vaults would be wiped and deleted, changing nothing.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "HiddenStoragePartition", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveHiddenStoragePartitionCommand : NodeCmdlet
{
    /// <summary><para>The vault to wipe and remove.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Id { get; set; } = "";

    /// <summary><para>Wipes it even while peers hold leases in it that have not ended (they lose that data).</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess(Id, "Wipe the hidden storage partition (zeroing its data and superblocks) and release its space")) return;
        TryRunEngine(() => { HiddenPartitions.Remove(session.Home, Id, Force); return true; }, Id, out _);
    }
}
