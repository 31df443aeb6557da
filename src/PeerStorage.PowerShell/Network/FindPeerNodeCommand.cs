using System.Management.Automation;
using PeerStorage.Core.Node;
using PeerStorage.Core.Resolution;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Network;

/// <summary>
/// <para type="synopsis">Finds PeerStorage nodes on the local link with mDNS/DNS-SD.</para>
/// <para type="description">Find-PeerNode browses for the _peerstorage._tcp service for -Timeout and returns one
/// PeerNodeInfo per node id, with the addresses, port, fleet and offered capacity each node announces. Nodes found
/// are remembered in the node's cache for Resolve-PeerNode. What a node announces is a claim: trust it by comparing
/// its id (Add-PeerTrust), or through the fleet. The objects pipe into Add-PeerTrust and Test-PeerConnection.</para>
/// </summary>
/// <example>
/// <code>Find-PeerNode -Timeout 3 | Format-Table NodeId, Name, Addresses, FleetId</code>
/// <para>Lists the nodes on the local link.</para>
/// </example>
/// <example>
/// <code>Find-PeerNode -FleetId (Get-PeerNode).FleetId | Test-PeerConnection</code>
/// <para>Checks that every node of this node's fleet on the link answers an authenticated session.</para>
/// </example>
[Cmdlet(VerbsCommon.Find, "PeerNode")]
[OutputType(typeof(PeerNodeInfo))]
public sealed class FindPeerNodeCommand : NodeCmdlet
{
    /// <summary><para>How long to listen for answers. Defaults to 2 seconds.</para></summary>
    [Parameter(Position = 0)]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><para>Only nodes that announce this fleet id.</para></summary>
    [Parameter]
    public string? FleetId { get; set; }

    /// <summary><para>Only nodes whose name matches (wildcards allowed).</para></summary>
    [Parameter]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromHours(1))
        {
            WriteError(ErrorRecords.From(new PeerStorageException("InvalidTimeout", PeerErrorKind.InvalidArgument,
                $"-Timeout {Timeout} is not between 0 and 1 hour.", target: Timeout)));
            return;
        }
        var home = NodeHome.IsInitialized(ResolvedNodePath) && TryGetSession(out var session) ? session.Home : null;
        var browse = home is null ? LinkBrowsers.ForProcess() : LinkBrowsers.ForNode(home);
        if (browse is null)
        {
            WriteError(ErrorRecords.From(new PeerStorageException("DiscoveryOff", PeerErrorKind.InvalidOperation,
                $"mDNS discovery is off in this process ({DiscoveryPolicy.ModeVariable}=off).")));
            return;
        }
        var pattern = Name is null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
        try
        {
            var peers = RunEngine((_, cancellationToken) => browse(Timeout, cancellationToken));
            var cache = home is null ? null : new PeerCache(home.State);
            foreach (var peer in peers.Where(p => p.NodeId != home?.NodeId.ToString())
                                      .Where(p => FleetId is null || string.Equals(p.FleetId, FleetId, StringComparison.OrdinalIgnoreCase))
                                      .Where(p => pattern is null || pattern.IsMatch(p.Name))
                                      .OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
            {
                cache?.Remember(peer);
                WriteObject(peer);
            }
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e));
        }
    }
}
