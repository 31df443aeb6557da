using System.Management.Automation;
using PeerStorage.Core.Node;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Node;

/// <summary>
/// <para type="synopsis">Creates a node home: the node's identity, state database and log.</para>
/// <para type="description">Initialize-PeerNode makes the folder that holds everything a node is: an ECDSA P-256 key
/// and a self-signed certificate (the node id is the SHA-256 of the public key, written in readable groups with check
/// characters), a SQLite state database and a rolling log. Key material is readable by its owner only. An existing
/// node home is refused unless you add -Force; then the old identity is moved to identity/retired, never deleted.</para>
/// </summary>
/// <example>
/// <code>Initialize-PeerNode -NodePath /srv/peerstorage -Name lab-pc-07 -Port 47620</code>
/// <para>Creates a node home in /srv/peerstorage for a node named lab-pc-07 that will listen on port 47620.</para>
/// </example>
/// <example>
/// <code>$env:PEERSTORAGE_HOME = 'D:\PeerStorage'; Initialize-PeerNode -WhatIf</code>
/// <para>Shows where the node home would be created, without creating anything.</para>
/// </example>
[Cmdlet(VerbsData.Initialize, "PeerNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PeerNode))]
public sealed class InitializePeerNodeCommand : NodeCmdlet
{
    /// <summary><para>The node's name as peers see it. Defaults to the computer name.</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 63)]
    public string? Name { get; set; }

    /// <summary><para>The TCP port the node listens on (0: any free port at each start). Defaults to 47620.</para></summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int? Port { get; set; }

    /// <summary><para>Replaces the identity of an existing node home. The old key and certificate are kept in identity/retired.</para></summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var path = ResolvedNodePath;
        var exists = NodeHome.IsInitialized(path);
        if (exists && !Force)
        {
            WriteError(ErrorRecords.From(new PeerStorageException("NodeHomeExists", PeerErrorKind.AlreadyExists,
                $"A node already lives in '{path}'. Use -Force to replace its identity (the old one is kept in identity/retired).", target: path)));
            return;
        }
        if (exists)
        {
            try
            {
                var session = NodeSessions.Get(path);
                if (!ShouldProcess(path, $"Replace the identity of node {session.Home.NodeId} (the old identity is kept in identity/retired)"))
                    return;
            }
            catch (PeerStorageException)
            {
                // A damaged identity is exactly what -Force is for.
                if (!ShouldProcess(path, "Replace the unreadable identity (the old files are kept in identity/retired)")) return;
            }
        }
        else if (!ShouldProcess(path, "Create a node home"))
        {
            return;
        }

        try
        {
            WriteObject(RunEngine(async (_, _) =>
            {
                await NodeSessions.ForgetAsync(path).ConfigureAwait(false);
                using (NodeHome.Initialize(path, new NodeInitOptions(Name, Port, Force))) { }
                return NodeSessions.Get(path).Home.Describe();
            }));
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e));
        }
    }
}
