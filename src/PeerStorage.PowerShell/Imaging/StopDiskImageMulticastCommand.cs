using System.Management.Automation;
using PeerStorage.Core.Multicast;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Imaging;

/// <summary>
/// <para type="synopsis">Stops the imaging runs of an image on this node, in whatever process they run.</para>
/// <para type="description">Stop-DiskImageMulticast asks every run of the node home for that image (receiving or
/// sending) to stop; each notices within a second, keeps what it verified (a receive resumes when run again) and ends
/// as Stopped. A sender tells nobody to leave: its receivers notice it is gone and carry on without it.</para>
/// </summary>
/// <example>
/// <code>Stop-DiskImageMulticast -Hash $hash</code>
/// <para>Stops this node's runs of that image.</para>
/// </example>
/// <example>
/// <code>Get-DiskImageMulticast | Where-Object State -eq Sending | Stop-DiskImageMulticast</code>
/// <para>Stops every image this node is sending.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Stop, "DiskImageMulticast", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopDiskImageMulticastCommand : NodeCmdlet
{
    /// <summary><para>The image (its SHA-256) whose runs to stop.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidatePattern("^[0-9a-fA-F]{64}$")]
    public string Hash { get; set; } = "";

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var hash = Hash.ToLowerInvariant();
        if (!ShouldProcess(hash, "Stop the imaging runs of this image")) return;
        if (!ImagingStatusStore.RequestStop(session.Home, hash))
            WriteError(ErrorRecords.From(new PeerStorageException(ImagingErrors.NotRunning, PeerErrorKind.NotFound,
                $"No imaging run of {hash} is going on for this node.", target: hash)));
    }
}
