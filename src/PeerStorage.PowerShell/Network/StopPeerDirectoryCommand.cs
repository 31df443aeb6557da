using System.Management.Automation;
using PeerStorage.Core.State;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Network;

/// <summary>
/// <para type="synopsis">Turns the node's directory role off; the node keeps running.</para>
/// <para type="description">Stop-PeerDirectory stops answering registrations and lookups at once. Its table is kept,
/// so Start-PeerDirectory later serves the entries that are still fresh. Stop the node itself with Stop-PeerNode.</para>
/// </summary>
/// <example>
/// <code>Stop-PeerDirectory -NodePath /srv/directory</code>
/// <para>Stops serving the directory.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Stop, "PeerDirectory", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopPeerDirectoryCommand : NodeCmdlet
{
    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        if (!ShouldProcess($"{home.Name} ({home.NodeId})", "Stop serving as a directory server")) return;
        RunEngine((_, _) => { home.Settings.Set(SettingKeys.DirectoryRole, null); return Task.CompletedTask; });
    }
}
