using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Session;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Imaging;

/// <summary>
/// <para type="synopsis">Gets a disk image by multicast from a peer that has it (or from the server) and writes it over a drive.</para>
/// <para type="description">Receive-DiskImageMulticast listens on the link for a node that announces the image. If one
/// does, it asks that node and takes the image from its multicast; late comers join a transmission in progress and
/// complete from the next pass. If none does, this machine downloads the image from the server (HTTP or HTTPS, resumed
/// by range requests), announces that it does, and once its download is done multicasts the image to every machine that
/// asked. If the announcer falls silent a waiting machine takes over; if the multicast fails or stalls, or the sender
/// finds this machine too slow for the others, it takes what it lacks from the server. Every block is checked against
/// the manifest's Merkle tree as it arrives and kept with a map that survives a restart (run it again to resume).
/// Announcements are signed by the announcer's node key, which this node's trust (fleet or pinned node id) must
/// accept. When the whole image is here and its SHA-256 matches, it is written over the target: a file, or a block
/// device (refused when mounted, smaller than the image needs, or of another sector size).</para>
/// </summary>
/// <example>
/// <code>Receive-DiskImageMulticast -Uri http://deploy/images/win11.img -Target /dev/sda -Hash $hash -Force</code>
/// <para>Images this machine's first disk, from a peer's multicast if one is already fetching the image.</para>
/// </example>
/// <example>
/// <code>$job = Receive-DiskImageMulticast -Uri $uri -Target /dev/nvme0n1 -Manifest ./win11.img.manifest.json -AsJob -Force
/// $job | Wait-Job | Receive-Job | Format-List Role, State, BytesFromServer, BytesFromMulticast</code>
/// <para>Runs in the background with a manifest from a trusted place, then reports where the bytes came from.</para>
/// </example>
[Cmdlet(VerbsCommunications.Receive, "DiskImageMulticast", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(DiskImageTransfer), typeof(Job))]
public sealed class ReceiveDiskImageMulticastCommand : MulticastCmdlet
{
    /// <summary><para>The image on its HTTP or HTTPS server. Its manifest is expected at the same address plus .manifest.json.</para></summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Uri Uri { get; set; } = null!;

    /// <summary><para>The block device or file to write the image over.</para></summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = "";

    /// <summary><para>The SHA-256 the image must have: a manifest that describes another image is refused.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidatePattern("^[0-9a-fA-F]{64}$")]
    public string? Hash { get; set; }

    /// <summary><para>A manifest file from a trusted place (New-DiskImageManifest). Without it the server's is used.</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Manifest { get; set; }

    /// <summary><para>Where the image is assembled before it is written. Defaults to the target's path plus .partial for a file, and the node home for a device.</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StagingPath { get; set; }

    /// <summary><para>How long to listen for an announcer before downloading from the server and announcing.</para></summary>
    [Parameter]
    public TimeSpan ListenTime { get; set; } = new ReceiverOptions().ListenTime;

    /// <summary><para>When this machine becomes the announcer: how long it keeps multicasting after its last receiver finished, for machines that ask late.</para></summary>
    [Parameter]
    public TimeSpan Linger { get; set; } = new SenderOptions().Linger;

    /// <summary><para>Overwrites the target without asking.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary><para>Runs as a PowerShell job and returns the job at once.</para></summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session) || !TryGetEndpoint(out var endpoint)) return;
        if (Uri.Scheme is not ("http" or "https"))
        {
            WriteError(ErrorRecords.From(new PeerStorageException("ImageServerUriInvalid", PeerErrorKind.InvalidArgument, $"'{Uri}' is not an http or https address.", target: Uri)));
            return;
        }
        var target = GetUnresolvedProviderPathFromPSPath(Target);
        if (!Force && !ShouldProcess(target, $"Overwrite with the image at {Uri}")) return;
        var request = new DiskImageReceiveRequest
        {
            ServerUri = Uri, Target = target, ExpectedHash = Hash?.ToLowerInvariant(),
            ManifestPath = Manifest is null ? null : GetUnresolvedProviderPathFromPSPath(Manifest),
            StagingPath = StagingPath is null ? null : GetUnresolvedProviderPathFromPSPath(StagingPath),
            Endpoint = endpoint, Receiver = new ReceiverOptions { ListenTime = ListenTime }, Sender = new SenderOptions { Linger = Linger },
        };
        var home = session.Home;
        RunImaging(session, new JobSpec("DiskImageReceive", $"Image {Uri} to {target}", JobPools.Transfer), async context =>
        {
            var transfer = await DiskImageReceive.RunAsync(home, request, t => context.Progress(ImagingProgress.Of(t)), context.CancellationToken).ConfigureAwait(false);
            context.AddBytes(transfer.BytesFromServer + transfer.BytesFromMulticast);
            context.Output(transfer);
        }, AsJob, target);
    }
}
