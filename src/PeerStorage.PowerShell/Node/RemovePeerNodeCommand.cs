using System.Management.Automation;
using PeerStorage.Core.Node;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Node;

/// <summary>
/// <para type="synopsis">Deletes a node home: its identity, state database and logs.</para>
/// <para type="description">Remove-PeerNode destroys the node's identity for good: peers that trusted its node id
/// will not know it again. A running node is refused; stop it first. It asks for confirmation (ConfirmImpact High)
/// unless -Confirm:$false; -Force skips the second question.</para>
/// </summary>
/// <example>
/// <code>Remove-PeerNode -NodePath /tmp/test-node -Force -Confirm:$false</code>
/// <para>Deletes a test node home without asking.</para>
/// </example>
[Cmdlet(VerbsCommon.Remove, "PeerNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemovePeerNodeCommand : NodeCmdlet
{
    /// <summary><para>Does not ask the second, "are you sure" question.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        var target = $"{home.Name} ({home.NodeId}) in {home.Path}";
        if (!ShouldProcess(target, "Delete the node home and its identity")) return;
        if (!Force && !ShouldContinue($"The identity of {home.Name} cannot be recovered. Delete '{home.Path}'?", "Remove-PeerNode")) return;
        var path = home.Path;
        try
        {
            RunEngine(async (_, _) =>
            {
                await NodeSessions.ForgetAsync(path).ConfigureAwait(false);
                NodeHome.Remove(path);
            });
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e));
            return;
        }
        WriteVerbose($"Removed the node home '{path}'.");
    }
}
