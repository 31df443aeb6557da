using System.Management.Automation;
using PeerStorage.Core.Multicast;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Imaging;

/// <summary>
/// <para type="synopsis">Gets the imaging runs of a node: transfers it receives and sessions it sends, running or ended.</para>
/// <para type="description">Get-DiskImageMulticast reads the status every imaging run of the node home keeps (rewritten
/// each second by the process running it), so a deploy script or a report sees runs of other processes too: a
/// DiskImageTransfer per image received (role, state, progress, bytes from the server and by multicast) and a
/// DiskImageSession per image sent (receivers, progress of each, rate). A run whose process ended mid-way shows as
/// Interrupted; running Receive-DiskImageMulticast again resumes it.</para>
/// </summary>
/// <example>
/// <code>Get-DiskImageMulticast | Where-Object State -ne Completed</code>
/// <para>Lists the runs still going (or interrupted).</para>
/// </example>
/// <example>
/// <code>(Get-DiskImageMulticast -Hash $hash | Where-Object SessionId).ReceiverDetails | Format-Table</code>
/// <para>Shows every receiver of the session sending that image.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "DiskImageMulticast")]
[OutputType(typeof(DiskImageTransfer), typeof(DiskImageSession))]
public sealed class GetDiskImageMulticastCommand : NodeCmdlet
{
    /// <summary><para>Only runs of this image (its SHA-256).</para></summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidatePattern("^[0-9a-fA-F]{64}$")]
    public string? Hash { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var hash = Hash?.ToLowerInvariant();
        foreach (var transfer in ImagingStatusStore.Transfers(session.Home, hash)) WriteObject(transfer);
        foreach (var sent in ImagingStatusStore.Sessions(session.Home, hash)) WriteObject(sent);
    }
}
