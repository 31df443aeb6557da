using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Stores a file in a lease on a peer, encrypted before it leaves.</para>
/// <para type="description">Write-PeerLeaseObject encrypts the file (AES-256-GCM in 1 MiB authenticated chunks; the
/// name too) with keys derived from this node's owner key for the lease and the host's key share, and sends it to the
/// host, which stores only ciphertext, within the lease's quota. The bytes travel on a data channel beside the TLS
/// session (a one-time ticket from that session, every frame authenticated), so they are not encrypted twice. The
/// object replaces one of the same name only once every byte is durable on the host. Shows progress; Ctrl+C stops it
/// and stores nothing.</para>
/// </summary>
/// <example>
/// <code>Write-PeerLeaseObject -LeaseId 3f1c... -Path ./backup.tar</code>
/// <para>Stores backup.tar under its file name.</para>
/// </example>
/// <example>
/// <code>Get-ChildItem ./exports -File | Write-PeerLeaseObject -LeaseId 3f1c...</code>
/// <para>Stores every file of a folder, each under its name.</para>
/// </example>
[Cmdlet(VerbsCommunications.Write, "PeerLeaseObject", SupportsShouldProcess = true)]
[OutputType(typeof(PeerLeaseObject))]
public sealed class WritePeerLeaseObjectCommand : NodeCmdlet
{
    /// <summary><para>The lease to write into.</para></summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string LeaseId { get; set; } = "";

    /// <summary><para>The file to store.</para></summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary><para>The object's name in the lease. Defaults to the file's name.</para></summary>
    [Parameter]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        var name = Name ?? System.IO.Path.GetFileName(path);
        if (!File.Exists(path))
        {
            WriteError(ErrorRecords.From(new PeerStorageException("SourceFileNotFound", PeerErrorKind.NotFound, $"'{path}' is not a file.", target: path)));
            return;
        }
        if (!ShouldProcess(LeaseId, $"Store '{path}' as '{name}'")) return;
        var activity = $"Storing {name} in lease {LeaseId}";
        if (TryRunEngine(async (observer, cancellationToken) =>
                await LeaseClient.WriteObjectAsync(session.Home, LeaseId, name, path,
                    (done, total) => observer.Progress(Progress(activity, done, total)), cancellationToken).ConfigureAwait(false),
                path, out var stored)) WriteObject(stored);
    }

    internal static OperationProgress Progress(string activity, long done, long total) =>
        new(activity, $"{done / 1048576.0:N1} of {total / 1048576.0:N1} MiB", total == 0 ? 100 : (int)(done * 100 / total), Completed: done == total);
}
