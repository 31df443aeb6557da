using System.Management.Automation;
using PeerStorage.Core.Trust;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Trust;

/// <summary>
/// <para type="synopsis">Stops trusting a peer by its node id.</para>
/// <para type="description">Remove-PeerTrust unpins a peer; its next connection is refused unless it is a member of the
/// node's fleet. Sessions already open are not cut.</para>
/// </summary>
/// <example>
/// <code>Get-PeerTrust -Name 'old-*' | Remove-PeerTrust</code>
/// <para>Unpins every peer whose name starts with old-.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "PeerTrust", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemovePeerTrustCommand : NodeCmdlet
{
    /// <summary><para>The peer to stop trusting.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string NodeId { get; set; } = "";

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        try
        {
            var id = Core.Node.NodeId.Parse(NodeId);
            if (!ShouldProcess(NodeId, "Stop trusting the node")) return;
            if (!RunEngine((_, _) => Task.FromResult(new TrustStore(session.Home).Remove(id))))
                WriteError(ErrorRecords.From(new PeerStorageException("PeerTrustNotFound", PeerErrorKind.NotFound,
                    $"Node {id} is not trusted by node id on '{session.Home.Path}'.", target: NodeId)));
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e, NodeId));
        }
    }
}
