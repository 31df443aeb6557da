using System.Management.Automation;
using System.Security;
using PeerStorage.Core.Trust;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Trust;

/// <summary>
/// <para type="synopsis">Issues fleet certificates for node requests, with the fleet file.</para>
/// <para type="description">Approve-PeerCertificateRequest checks each request's signature and that it was made by the
/// node it names, then issues a certificate for that node's key, signed by the fleet CA. Requests come from the
/// pipeline (the objects New-PeerCertificateRequest returned, even through Invoke-Command) or as PEM text. The fleet
/// key is opened once for the whole pipeline.</para>
/// </summary>
/// <example>
/// <code>Get-Content ./requests/*.csr -Raw | Approve-PeerCertificateRequest -Fleet ./lab.fleet -Password $pw</code>
/// <para>Approves requests saved as files.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Approve, "PeerCertificateRequest", SupportsShouldProcess = true)]
[OutputType(typeof(PeerCertificate))]
public sealed class ApprovePeerCertificateRequestCommand : PeerStorageCmdlet
{
    private FleetAuthority? _fleet;

    /// <summary><para>The fleet file made by New-PeerFleet.</para></summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Fleet { get; set; } = "";

    /// <summary><para>The password of an encrypted fleet key.</para></summary>
    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary><para>The request, PEM text (the Request property of New-PeerCertificateRequest's output).</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Request { get; set; } = "";

    /// <summary><para>The node id the request claims to come from; a request signed by another key is refused.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? NodeId { get; set; }

    /// <summary><para>The node's name, written in its certificate. Defaults to the name in the request.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Name { get; set; }

    /// <summary><para>How long the node certificate is valid. Defaults to two years (never past the CA's own end).</para></summary>
    [Parameter]
    public TimeSpan? Validity { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        var path = GetUnresolvedProviderPathFromPSPath(Fleet);
        try
        {
            _fleet = RunEngine((_, _) => Task.FromResult(FleetAuthority.Load(path, FleetCmdletSupport.Plain(Password))));
        }
        catch (PeerStorageException e)
        {
            Terminate(e); // nothing can be approved without the fleet key
        }
    }

    protected override void ProcessRecord()
    {
        var fleet = _fleet!;
        if (!ShouldProcess(NodeId ?? "the request", $"Issue a certificate of fleet {fleet.Name}")) return;
        if (TryRunEngine(() => FleetMembership.Approve(fleet, Request, NodeId, Name, Validity), NodeId ?? (object)Request, out var certificate))
            WriteObject(certificate);
    }

    protected override void EndProcessing() => _fleet?.Dispose();
}
