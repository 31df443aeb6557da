using System.Management.Automation;
using System.Security;
using PeerStorage.Core.Trust;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Trust;

/// <summary>
/// <para type="synopsis">Revokes a node's fleet membership with the fleet file.</para>
/// <para type="description">Revoke-PeerNode signs a revocation with the fleet CA key. The local node (if it is in that
/// fleet) applies it at once; peers pass revocations on to each other when they connect, and the directory hands
/// them out, so it reaches the whole fleet. A revoked node can open no session with a node that knows the revocation,
/// even one that pinned its node id.</para>
/// </summary>
/// <example>
/// <code>Revoke-PeerNode -Fleet ./lab.fleet -Password $pw -NodeId 'MFZWI3D-...' -Reason 'laptop stolen'</code>
/// <para>Revokes a node and applies the revocation on the local node.</para>
/// </example>
[Cmdlet(VerbsSecurity.Revoke, "PeerNode", SupportsShouldProcess = true)]
[OutputType(typeof(PeerRevocation))]
public sealed class RevokePeerNodeCommand : NodeCmdlet
{
    /// <summary><para>The fleet file made by New-PeerFleet.</para></summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Fleet { get; set; } = "";

    /// <summary><para>The password of an encrypted fleet key.</para></summary>
    [Parameter]
    public SecureString? Password { get; set; }

    /// <summary><para>The node to revoke.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string NodeId { get; set; } = "";

    /// <summary><para>Why, in words peers and logs will show.</para></summary>
    [Parameter]
    public string Reason { get; set; } = "Revoked by the fleet admin";

    protected override void ProcessRecord()
    {
        var fleetPath = GetUnresolvedProviderPathFromPSPath(Fleet);
        var nodePath = ResolvedNodePath;
        if (!ShouldProcess(NodeId, "Revoke the node's fleet membership")) return;
        if (TryRunEngine(() => Revocations.Revoke(fleetPath, FleetCmdletSupport.Plain(Password), Core.Node.NodeId.Parse(NodeId), Reason, nodePath),
                NodeId, out var revocation))
            WriteObject(revocation);
    }
}
