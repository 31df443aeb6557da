using System.Management.Automation;
using PeerStorage.Core.Trust;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Trust;

/// <summary>
/// <para type="synopsis">Lists the peers the node trusts by node id.</para>
/// <para type="description">Get-PeerTrust returns the pinned peers, optionally filtered by node id or by name (wildcards).
/// Fleet members are trusted through the fleet certificate and are not listed here.</para>
/// </summary>
/// <example>
/// <code>Get-PeerTrust -Name 'lab-*'</code>
/// <para>Lists the pinned lab nodes.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "PeerTrust")]
[OutputType(typeof(PeerTrust))]
public sealed class GetPeerTrustCommand : NodeCmdlet
{
    /// <summary><para>Only this peer; an error when it is not trusted.</para></summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? NodeId { get; set; }

    /// <summary><para>Only peers whose name matches (wildcards allowed).</para></summary>
    [Parameter]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        try
        {
            var wanted = NodeId is null ? (Core.Node.NodeId?)null : Core.Node.NodeId.Parse(NodeId);
            var pattern = Name is null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
            var trusts = RunEngine((_, _) => Task.FromResult(new TrustStore(session.Home).List()))
                .Where(t => wanted is null || t.NodeId == wanted.Value.ToString())
                .Where(t => pattern is null || pattern.IsMatch(t.Name ?? ""))
                .ToList();
            foreach (var t in trusts) WriteObject(t);
            if (wanted is not null && trusts.Count == 0)
                WriteError(ErrorRecords.From(new PeerStorageException("PeerTrustNotFound", PeerErrorKind.NotFound,
                    $"Node {wanted} is not trusted by node id on '{session.Home.Path}'.", target: NodeId)));
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e, NodeId));
        }
    }
}
