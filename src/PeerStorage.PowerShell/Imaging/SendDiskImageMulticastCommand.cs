using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Session;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Imaging;

/// <summary>
/// <para type="synopsis">Multicasts a disk image this node holds to every machine on the link that asks for it.</para>
/// <para type="description">Send-DiskImageMulticast announces the image, signed with this node's key (with -Manifest
/// every block is checked against the manifest's Merkle tree as it is first read, and a file that is not that image
/// stops the session at its first wrong block; without it the manifest is computed first), and multicasts it to every receiver that asks
/// (Receive-DiskImageMulticast), in passes: receivers report the blocks they lack and get fresh repair symbols, so one
/// repair packet fixes different losses at different receivers; a receiver that joins late completes from the next
/// pass. The rate follows the receivers; one that cannot keep up is sent to the server instead of slowing the others.
/// It ends when every receiver is done and nobody new has asked for -Linger.</para>
/// </summary>
/// <example>
/// <code>Send-DiskImageMulticast -Path /srv/images/win11.img -Linger (New-TimeSpan -Minutes 10)</code>
/// <para>Serves the image on the link until ten minutes pass with no receiver left.</para>
/// </example>
/// <example>
/// <code>$s = Send-DiskImageMulticast -Path ./lab.img -Manifest ./lab.img.manifest.json -MaxRate 50MB -AsJob</code>
/// <para>Sends in the background at no more than 50 MiB per second.</para>
/// </example>
[Cmdlet(VerbsCommunications.Send, "DiskImageMulticast", SupportsShouldProcess = true)]
[OutputType(typeof(DiskImageSession), typeof(Job))]
public sealed class SendDiskImageMulticastCommand : MulticastCmdlet
{
    /// <summary><para>The image file or block device.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary><para>The image's manifest; every block is checked against it before it is sent. Without it one is computed from the image.</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Manifest { get; set; }

    /// <summary><para>The highest sending rate in bytes per second (for example 50MB). Defaults to whatever the receivers take.</para></summary>
    [Parameter]
    [ValidateRange(1048576, long.MaxValue)]
    public long MaxRate { get; set; }

    /// <summary><para>How long to stay after the last receiver finished, for machines that ask late.</para></summary>
    [Parameter]
    public TimeSpan Linger { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><para>Runs as a PowerShell job and returns the job at once.</para></summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session) || !TryGetEndpoint(out var endpoint)) return;
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path))
        {
            WriteError(ErrorRecords.From(new PeerStorageException("ImageFileNotFound", PeerErrorKind.NotFound, $"'{path}' is not a file or device.", target: path)));
            return;
        }
        if (!ShouldProcess($"{endpoint.Group}:{endpoint.ControlPort}", $"Multicast '{path}'")) return;
        var request = new DiskImageSendRequest
        {
            ImagePath = path, ManifestPath = Manifest is null ? null : GetUnresolvedProviderPathFromPSPath(Manifest), Endpoint = endpoint,
            Sender = new SenderOptions { MaxBytesPerSecond = MaxRate, Linger = Linger },
        };
        var home = session.Home;
        RunImaging(session, new JobSpec("DiskImageSend", $"Multicast {path}", JobPools.Transfer), async context =>
        {
            var length = StorageLength.Of(path);
            var session = await DiskImageSend.RunAsync(home, request, s => context.Progress(ImagingProgress.Of(s)),
                new Progress<long>(done => context.Progress(ImagingProgress.Bytes($"Checking {System.IO.Path.GetFileName(path)}", done, length))),
                context.CancellationToken).ConfigureAwait(false);
            context.AddBytes(session.BytesSent);
            context.Output(session);
        }, AsJob, path);
    }
}
