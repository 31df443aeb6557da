using System.Management.Automation;
using PeerStorage.Core.Vault;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Lists the node's hidden storage partitions with their size, use and health.</para>
/// <para type="description">Get-HiddenStoragePartition opens each vault, checks its consistency (metadata and every
/// written block's checksum) and reports Size, Used, Free and Health. Kind tells the carrier: ContainerFile, Device
/// (Location is the device path) or GptPartition (Location is the disk or disk image and the partition's unique
/// GUID, disk#PARTUUID=guid). A vault that a running node has open is not opened again: its Health is InUse and its
/// Size the one recorded when it was created. A carrier that is gone or damaged shows the error in Health.</para>
/// </summary>
/// <example>
/// <code>Get-HiddenStoragePartition | Where-Object Health -ne 'Healthy'</code>
/// <para>Lists the vaults that need attention.</para>
/// </example>
/// <example>
/// <code>Get-HiddenStoragePartition | Where-Object Kind -eq 'GptPartition' | Format-List Location, Size, Health</code>
/// <para>Shows the vaults that live in GPT partitions, with the disk and partition GUID of each.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "HiddenStoragePartition")]
[OutputType(typeof(HiddenStoragePartition))]
public sealed class GetHiddenStoragePartitionCommand : NodeCmdlet
{
    /// <summary><para>Only this vault; an error when the node has none with this id.</para></summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? Id { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!TryRunEngine(() => HiddenPartitions.List(session.Home, Id), Id, out var partitions)) return;
        foreach (var partition in partitions) WriteObject(partition);
        if (Id is not null && partitions.Count == 0)
            WriteError(ErrorRecords.From(new PeerStorageException("HiddenPartitionNotFound", PeerErrorKind.NotFound,
                $"No hidden storage partition {Id} on this node.", target: Id)));
    }
}
