using System.Management.Automation;
using PeerStorage.Core.Trust;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Trust;

/// <summary>
/// <para type="synopsis">Installs a fleet certificate on the node: the node joins the fleet.</para>
/// <para type="description">Install-PeerCertificate takes the certificate Approve-PeerCertificateRequest issued (the node
/// certificate followed by the fleet CA certificate). It must be for this node's key and chain to that CA. The node then
/// presents it to peers and trusts other members of the fleet; its node id does not change. The self-signed
/// certificate is kept. A running node picks the change up.</para>
/// </summary>
/// <example>
/// <code>New-PeerCertificateRequest | Approve-PeerCertificateRequest -Fleet ./lab.fleet | Install-PeerCertificate -PassThru</code>
/// <para>Joins the local node to the fleet in one line, on the admin's own machine.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Install, "PeerCertificate", SupportsShouldProcess = true)]
[OutputType(typeof(PeerNode))]
public sealed class InstallPeerCertificateCommand : NodeCmdlet
{
    /// <summary><para>The certificate, PEM text (the Certificate property of Approve-PeerCertificateRequest's output).</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Certificate { get; set; } = "";

    /// <summary><para>Returns the node after the change.</para></summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess($"{session.Home.Name} ({session.Home.NodeId})", "Install a fleet certificate")) return;
        if (TryRunEngine(() => FleetMembership.Install(session.Home, Certificate), session.Home.Path, out var node) && PassThru)
            WriteObject(node);
    }
}
