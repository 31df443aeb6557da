using System.Management.Automation;
using PeerStorage.Core.Vault;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Sets aside hidden storage for peers: a vault with no filesystem the OS can see.</para>
/// <para type="description">New-HiddenStoragePartition carves space out of the node's volume as a preallocated,
/// owner-only container file (hidden: a dot-file in the node home's vault folder unless -Path says otherwise) and
/// formats it with PeerStorage's own vault format. Size it with -Size or -Percent of the free space; it never leaves
/// the volume with less than 10% of its capacity free. Formatting over an existing file needs -Force and destroys its
/// content (ConfirmImpact High). Raw devices and new GPT partitions are the next carriers.</para>
/// </summary>
/// <example>
/// <code>New-HiddenStoragePartition -Size 200GB</code>
/// <para>Lends 200 GB of this node's volume to peers.</para>
/// </example>
/// <example>
/// <code>New-HiddenStoragePartition -Percent 25 -WhatIf</code>
/// <para>Shows what a quarter of the free space would be, creating nothing.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "HiddenStoragePartition", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = "Size")]
[OutputType(typeof(HiddenStoragePartition))]
public sealed class NewHiddenStoragePartitionCommand : NodeCmdlet
{
    /// <summary><para>The vault's size in bytes (1GB literals work).</para></summary>
    [Parameter(Mandatory = true, ParameterSetName = "Size")]
    [ValidateRange(1L, long.MaxValue)]
    public long Size { get; set; }

    /// <summary><para>The share of the volume's free space (above its 10% reserve) to lend.</para></summary>
    [Parameter(Mandatory = true, ParameterSetName = "Percent")]
    [ValidateRange(1, 100)]
    public int Percent { get; set; }

    /// <summary><para>The container file. Defaults to a hidden file in the node home's vault folder.</para></summary>
    [Parameter]
    public string? Path { get; set; }

    /// <summary><para>Formats over an existing file, destroying its content.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var path = Path is null ? null : GetUnresolvedProviderPathFromPSPath(Path);
        var what = ParameterSetName == "Size" ? $"{Size} bytes" : $"{Percent}% of the free space";
        if (!ShouldProcess(path ?? System.IO.Path.Combine(session.Home.Path, "vault"), $"Create a hidden storage partition of {what}")) return;
        var request = new HiddenPartitionRequest(path, ParameterSetName == "Size" ? Size : null, ParameterSetName == "Percent" ? Percent : null, Force);
        if (TryRunEngine(() => HiddenPartitions.Create(session.Home, request), path, out var partition)) WriteObject(partition);
    }
}
