using System.Management.Automation;
using PeerStorage.Core.Trust;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Trust;

/// <summary>
/// <para type="synopsis">Makes a request, signed by the node's key, to join a fleet.</para>
/// <para type="description">New-PeerCertificateRequest returns a PeerCertificateRequest whose Request is PEM text: it
/// crosses Invoke-Command, files and mail unchanged. The admin approves it with the fleet file; the node installs the
/// result. Only the holder of the node key can make a request for its node id.</para>
/// </summary>
/// <example>
/// <code>$requests = Invoke-Command -ComputerName $labPcs { New-PeerCertificateRequest }
/// $certs = $requests | Approve-PeerCertificateRequest -Fleet ~/secure/lab.fleet -Password $pw
/// foreach ($c in $certs) { Invoke-Command -ComputerName $c.PSComputerName { param($t) Install-PeerCertificate -Certificate $t } -ArgumentList $c.Certificate }</code>
/// <para>Enrolls every lab PC in the fleet without touching any of them by hand.</para>
/// </example>
[Cmdlet(VerbsCommon.New, "PeerCertificateRequest", SupportsShouldProcess = true)]
[OutputType(typeof(PeerCertificateRequest))]
public sealed class NewPeerCertificateRequestCommand : NodeCmdlet
{
    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess($"{session.Home.Name} ({session.Home.NodeId})", "Create a certificate request")) return;
        WriteObject(RunEngine((_, _) => Task.FromResult(FleetMembership.CreateRequest(session.Home))));
    }
}
