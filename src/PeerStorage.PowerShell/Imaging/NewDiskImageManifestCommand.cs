using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Multicast;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Imaging;

/// <summary>
/// <para type="synopsis">Describes a disk image for multicast imaging: its hash, size, target-drive needs and Merkle tree.</para>
/// <para type="description">New-DiskImageManifest reads the image (a file or a block device) once and writes its
/// manifest beside it as &lt;image&gt;.manifest.json: the SHA-256 of the whole image (what sha256sum prints), its size, the
/// sector size and least capacity a target drive must have, and a Merkle tree over its 64 KiB blocks, so that every
/// receiver checks every block as it arrives. Put the manifest next to the image on the HTTP server; receivers fetch
/// it from there, or get it from a trusted place with Receive-DiskImageMulticast -Manifest.</para>
/// </summary>
/// <example>
/// <code>New-DiskImageManifest -Path /srv/images/win11.img</code>
/// <para>Writes /srv/images/win11.img.manifest.json and returns the manifest.</para>
/// </example>
/// <example>
/// <code>Get-ChildItem /srv/images/*.img | New-DiskImageManifest -SectorSize 4096</code>
/// <para>Describes every image of a folder for drives with 4 KiB sectors.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "DiskImageManifest", SupportsShouldProcess = true)]
[OutputType(typeof(DiskImageManifest))]
public sealed class NewDiskImageManifestCommand : PeerStorageCmdlet
{
    /// <summary><para>The image file or block device.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary><para>Where to write the manifest. Defaults to the image's path plus .manifest.json.</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    /// <summary><para>The logical sector size a target drive must have (512 to 4096).</para></summary>
    [Parameter]
    [ValidateSet("512", "1024", "2048", "4096")]
    public int SectorSize { get; set; } = ImageManifest.DefaultSectorSize;

    /// <summary><para>The least capacity a target drive must have, in bytes. Defaults to the image's size.</para></summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long MinimumCapacity { get; set; }

    /// <summary><para>Replaces a manifest file that exists already.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        var outFile = OutFile is null ? path + ImageManifest.ManifestSuffix : GetUnresolvedProviderPathFromPSPath(OutFile);
        if (!File.Exists(path))
        {
            WriteError(ErrorRecords.From(new PeerStorageException("ImageFileNotFound", PeerErrorKind.NotFound, $"'{path}' is not a file or device.", target: path)));
            return;
        }
        if (File.Exists(outFile) && !Force)
        {
            WriteError(ErrorRecords.From(new PeerStorageException("ManifestExists", PeerErrorKind.AlreadyExists,
                $"'{outFile}' exists; use -Force to replace it.", target: outFile)));
            return;
        }
        if (!ShouldProcess(outFile, File.Exists(outFile) ? $"Replace with the manifest of '{path}'" : $"Write the manifest of '{path}'")) return;
        var activity = $"Hashing {System.IO.Path.GetFileName(path)}";
        if (TryRunEngine(async (observer, cancellationToken) =>
            {
                var length = StorageLength.Of(path);
                var manifest = await ImageManifest.CreateAsync(path, ImageManifest.DefaultBlockSize, SectorSize, MinimumCapacity > 0 ? MinimumCapacity : null,
                    new Progress<long>(done => observer.Progress(ImagingProgress.Bytes(activity, done, length))), cancellationToken).ConfigureAwait(false);
                manifest.Save(outFile);
                return ImagingModel.Describe(manifest, outFile);
            }, path, out var described)) WriteObject(described);
    }
}
