using System.Management.Automation;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Node;

/// <summary>
/// <para type="synopsis">Gets the local node: its id, name, home, addresses, port and whether it runs.</para>
/// <para type="description">Get-PeerNode reads the node home (-NodePath, else $env:PEERSTORAGE_HOME, else the
/// per-user default) and returns a PeerNode. State is Running while a PowerShell session (Start-PeerNode) or the
/// agent service runs the node; the object pipes by property name into the other node cmdlets.</para>
/// </summary>
/// <example>
/// <code>Get-PeerNode -NodePath /srv/peerstorage | Format-List *</code>
/// <para>Shows every property of the node that lives in /srv/peerstorage.</para>
/// </example>
/// <example>
/// <code>'/srv/a', '/srv/b' | ForEach-Object { Get-PeerNode -NodePath $_ } | Where-Object State -eq Running</code>
/// <para>Lists the nodes, among two homes, that are running.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "PeerNode")]
[OutputType(typeof(PeerNode))]
public sealed class GetPeerNodeCommand : NodeCmdlet
{
    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        WriteObject(RunEngine((_, _) => Task.FromResult(session.Home.Describe())));
    }
}
