using System.Management.Automation;
using PeerStorage.Core.Node;
using PeerStorage.Core.Resolution;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Network;

/// <summary>
/// <para type="synopsis">Finds where a peer can be reached: configured addresses and cache, then mDNS, then the directory.</para>
/// <para type="description">Resolve-PeerNode returns a PeerNodeInfo whose Source says where the answer came from
/// (Configured, Cache, Mdns or Directory). The answer is a hint: Test-PeerConnection proves the peer's identity.</para>
/// </summary>
/// <example>
/// <code>Resolve-PeerNode -NodeId 'MFZWI3D-...' | Format-List NodeId, Name, Addresses, Port, Source</code>
/// <para>Shows where a node is and how it was found.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Resolve, "PeerNode")]
[OutputType(typeof(PeerNodeInfo))]
public sealed class ResolvePeerNodeCommand : NodeCmdlet
{
    /// <summary><para>The peer to find.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string NodeId { get; set; } = "";

    /// <summary><para>How long to look on the local link. Defaults to 2 seconds; 0 skips the link and asks the directory.</para></summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        try
        {
            var id = Core.Node.NodeId.Parse(NodeId);
            var found = RunEngine(async (_, cancellationToken) =>
            {
                await using var network = new NodeNetwork(home);
                return await new PeerResolver(home, network, LinkBrowsers.ForNode(home)).ResolveAsync(id, Timeout, cancellationToken).ConfigureAwait(false);
            });
            if (found is null)
                WriteError(ErrorRecords.From(new PeerStorageException("PeerNotFound", PeerErrorKind.NotFound,
                    $"Node {id} was not found in the cache, on the local link or in the directory.", target: NodeId)));
            else WriteObject(found);
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e, NodeId));
        }
    }
}
