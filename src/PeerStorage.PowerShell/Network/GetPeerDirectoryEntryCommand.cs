using System.Management.Automation;
using PeerStorage.Core.DirectoryServer;
using PeerStorage.Core.Node;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Network;

/// <summary>
/// <para type="synopsis">Lists entries of a directory server: where registered nodes can be reached.</para>
/// <para type="description">On a node whose directory role is on, Get-PeerDirectoryEntry reads its own table; on any
/// other node it asks the directory server set with Set-PeerNode -DirectoryAddress, over an authenticated session.
/// Entries not refreshed for 15 minutes are left out.</para>
/// </summary>
/// <example>
/// <code>Get-PeerDirectoryEntry -Name 'lab-*' | Sort-Object LastSeen</code>
/// <para>Lists the lab nodes the directory knows, oldest refresh first.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "PeerDirectoryEntry")]
[OutputType(typeof(PeerDirectoryEntry))]
public sealed class GetPeerDirectoryEntryCommand : NodeCmdlet
{
    /// <summary><para>Only this node.</para></summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? NodeId { get; set; }

    /// <summary><para>Only nodes whose name matches ('*' wildcards, case-insensitive).</para></summary>
    [Parameter]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        try
        {
            var id = NodeId is null ? null : Core.Node.NodeId.Parse(NodeId).ToString();
            var entries = RunEngine(async (_, cancellationToken) =>
            {
                if (DirectoryService.IsEnabled(home)) return new DirectoryStore(home.State).Lookup(id, Name).ToArray();
                await using var network = new NodeNetwork(home);
                return await DirectoryRegistration.LookupAsync(home, network, id, Name, cancellationToken).ConfigureAwait(false);
            });
            foreach (var entry in entries) WriteObject(entry);
            if (id is not null && entries.Length == 0)
                WriteError(ErrorRecords.From(new PeerStorageException("PeerDirectoryEntryNotFound", PeerErrorKind.NotFound,
                    $"The directory has no live entry for node {id}.", target: NodeId)));
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e, NodeId));
        }
    }
}
