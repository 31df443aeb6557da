using System.Management.Automation;
using PeerStorage.Core.Vault;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Sets aside hidden storage for peers: a vault with no filesystem the OS can see.</para>
/// <para type="description">New-HiddenStoragePartition formats space with PeerStorage's own vault format, on one of
/// three carriers. By default (or with -Path) it is a preallocated, owner-only container file, hidden as a dot-file in
/// the node home's vault folder; sized with -Size or -Percent of the volume's free space, it never leaves the volume
/// with less than 10% of its capacity free.</para>
/// <para type="description">With -Device it formats a raw block device or an existing partition (Linux), whole or its
/// first -Size bytes (-Percent: a share of the device). A device that holds a filesystem, a partition table or a vault
/// is refused unless -Force; a mounted device (itself or any of its partitions), active swap, or a device held by
/// device mapper, RAID or LVM is always refused.</para>
/// <para type="description">With -Disk it adds a new GPT partition to a disk or a disk image file (Linux, sgdisk from
/// the gdisk package), in the disk's largest free block, sized by -Size or -Percent of that block. The partition has
/// PeerStorage's own partition type GUID 36D8FA44-CA91-4E38-8F5F-7CDEA54233B5, the name "PeerStorage vault" and the
/// GPT attributes platform-required (bit 0), hidden (62) and no drive letter / no automount (63). A disk without a
/// partition table gets a new GPT when it is empty; one that holds anything else needs -Force, which replaces it.</para>
/// <para type="description">Formatting destroys what the carrier held: the cmdlet asks for confirmation
/// (ConfirmImpact High) unless -Confirm:$false; -WhatIf shows what would be done and changes nothing.</para>
/// </summary>
/// <example>
/// <code>New-HiddenStoragePartition -Size 200GB</code>
/// <para>Lends 200 GB of this node's volume to peers, as a hidden container file.</para>
/// </example>
/// <example>
/// <code>New-HiddenStoragePartition -Percent 25 -WhatIf</code>
/// <para>Shows what a quarter of the free space would be, creating nothing.</para>
/// </example>
/// <example>
/// <code>New-HiddenStoragePartition -Device /dev/sdb2 -Force -Confirm:$false</code>
/// <para>Formats the whole partition /dev/sdb2 as a vault, overwriting the filesystem it held.</para>
/// </example>
/// <example>
/// <code>New-HiddenStoragePartition -Disk /dev/sdc -Percent 50</code>
/// <para>Adds a hidden GPT partition of half of /dev/sdc's largest free block and formats the vault inside it.</para>
/// </example>
/// <example>
/// <code>New-HiddenStoragePartition -Disk ./disk.img -Size 1GB -Confirm:$false</code>
/// <para>Adds a 1 GB vault partition to a disk image file (given a GPT first if the image is blank).</para>
/// </example>
[Cmdlet(VerbsCommon.New, "HiddenStoragePartition", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PathSet)]
[OutputType(typeof(HiddenStoragePartition))]
public sealed class NewHiddenStoragePartitionCommand : NodeCmdlet
{
    private const string PathSet = "Path";
    private const string DeviceSet = "Device";
    private const string DiskSet = "Disk";

    /// <summary><para>The vault's size in bytes (1GB literals work): of the container file, of the vault on the device
    /// (at its start), or of the new GPT partition (rounded up to 1 MiB). Give -Size or -Percent; with -Device, neither
    /// means the whole device.</para></summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long Size { get; set; }

    /// <summary><para>The size as a share: of the volume's free space above its 10% reserve (container file), of the
    /// device (-Device), or of the disk's largest free block (-Disk).</para></summary>
    [Parameter]
    [ValidateRange(1, 100)]
    public int Percent { get; set; }

    /// <summary><para>The container file. Defaults to a hidden file in the node home's vault folder.</para></summary>
    [Parameter(ParameterSetName = PathSet)]
    public string? Path { get; set; }

    /// <summary><para>A raw block device or existing partition to format as the vault (Linux), such as /dev/sdb or
    /// /dev/loop3p1. Its content is lost. A mounted device is always refused.</para></summary>
    [Parameter(Mandatory = true, ParameterSetName = DeviceSet)]
    [ValidateNotNullOrEmpty]
    public string? Device { get; set; }

    /// <summary><para>A disk (such as /dev/sdc) or a disk image file to add a new hidden GPT partition to (Linux). Its
    /// other partitions are left alone.</para></summary>
    [Parameter(Mandatory = true, ParameterSetName = DiskSet)]
    [ValidateNotNullOrEmpty]
    public string? Disk { get; set; }

    /// <summary><para>Formats over what the carrier holds, destroying it: an existing file (-Path), a filesystem,
    /// partition table or vault on the device (-Device), or a disk's non-GPT content, replaced by a new GPT (-Disk).
    /// Never overrides the refusal of a mounted device.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        long? size = MyInvocation.BoundParameters.ContainsKey(nameof(Size)) ? Size : null;
        int? percent = MyInvocation.BoundParameters.ContainsKey(nameof(Percent)) ? Percent : null;
        var request = new HiddenPartitionRequest(null, size, percent, Force);
        string? target;
        string shown, action;
        switch (ParameterSetName)
        {
            case DeviceSet:
                shown = target = GetUnresolvedProviderPathFromPSPath(Device);
                request = request with { Device = target };
                action = $"Format as a hidden storage partition ({Amount(size, percent, "of the device", "the whole device")}), destroying its content";
                break;
            case DiskSet:
                shown = target = GetUnresolvedProviderPathFromPSPath(Disk);
                request = request with { Disk = target };
                action = $"Add a hidden GPT partition ({Amount(size, percent, "of the largest free block", "size missing")}) and format it";
                break;
            default:
                target = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path);
                shown = target ?? System.IO.Path.Combine(session.Home.Path, "vault");
                request = request with { Path = target };
                action = $"Create a hidden storage partition of {Amount(size, percent, "of the free space", "size missing")}";
                break;
        }
        if (!ShouldProcess(shown, action)) return;
        if (TryRunEngine(() => HiddenPartitions.Create(session.Home, request), target, out var partition)) WriteObject(partition);
    }

    private static string Amount(long? size, int? percent, string share, string otherwise) =>
        size is not null ? $"{size} bytes" : percent is not null ? $"{percent}% {share}" : otherwise;
}
