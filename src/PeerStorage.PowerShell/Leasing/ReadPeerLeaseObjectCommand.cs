using System.Management.Automation;
using PeerStorage.Core.Leasing;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Leasing;

/// <summary>
/// <para type="synopsis">Reads an object back from a lease into a file.</para>
/// <para type="description">Read-PeerLeaseObject fetches the object's ciphertext from the host and decrypts it with
/// the lease's owner key, checking every chunk's authentication tag. The destination file appears only once the whole
/// object passed: an altered or truncated object is an error (LeaseObjectTampered) and leaves the destination as it
/// was. A -Destination that is a folder gets the object's file name. An existing file is never replaced without
/// -Force: that is an error (DestinationExists) and the file stays as it was. With -Force it is replaced, once the
/// whole object passed; -WhatIf shows which file would be created or replaced and writes nothing.</para>
/// </summary>
/// <example>
/// <code>Read-PeerLeaseObject -LeaseId 3f1c... -Name backup.tar -Destination ./restore/</code>
/// <para>Restores backup.tar into the restore folder.</para>
/// </example>
/// <example>
/// <code>Get-PeerLeaseObject -LeaseId 3f1c... | Read-PeerLeaseObject -Destination ./restore/</code>
/// <para>Restores every object of a lease.</para>
/// </example>
/// <example>
/// <code>Read-PeerLeaseObject -LeaseId 3f1c... -Name backup.tar -Destination ./backup.tar -Force -WhatIf</code>
/// <para>Shows that ./backup.tar would be replaced, without reading anything; run it without -WhatIf to replace it.</para>
/// </example>
[Cmdlet(VerbsCommunications.Read, "PeerLeaseObject", SupportsShouldProcess = true)]
[OutputType(typeof(PeerLeaseObject))]
public sealed class ReadPeerLeaseObjectCommand : NodeCmdlet
{
    /// <summary><para>The lease to read from.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string LeaseId { get; set; } = "";

    /// <summary><para>The object's name.</para></summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary><para>The file to write, or an existing folder to write it into under the object's name.</para></summary>
    [Parameter(Mandatory = true, Position = 2)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary><para>Replaces a destination file that exists. Without it, an existing file is an error (DestinationExists) and stays as it was.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var destination = GetUnresolvedProviderPathFromPSPath(Destination);
        if (Directory.Exists(destination)) destination = System.IO.Path.Combine(destination, System.IO.Path.GetFileName(Name.Replace('\\', '/').TrimEnd('/')));
        var exists = File.Exists(destination);
        if (exists && !Force)
        {
            WriteError(new ErrorRecord(new IOException($"The file '{destination}' exists; use -Force to replace it."),
                "DestinationExists", ErrorCategory.ResourceExists, destination));
            return;
        }
        if (!ShouldProcess(destination, exists ? $"Replace the file with object '{Name}' of lease {LeaseId}" : $"Create the file from object '{Name}' of lease {LeaseId}"))
            return;
        var overwrite = Force.IsPresent;
        var activity = $"Reading {Name} from lease {LeaseId}";
        if (TryRunEngine(async (observer, cancellationToken) =>
                await LeaseClient.ReadObjectAsync(session.Home, LeaseId, Name, destination, overwrite,
                    (done, total) => observer.Progress(WritePeerLeaseObjectCommand.Progress(activity, done, total)), cancellationToken).ConfigureAwait(false),
                Name, out var read)) WriteObject(read);
    }
}
