using System.Management.Automation;
using PeerStorage.Core.Trust;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Trust;

/// <summary>
/// <para type="synopsis">Trusts a peer by its node id.</para>
/// <para type="description">Add-PeerTrust pins a peer: the node will open sessions with the holder of that key, whatever
/// its fleet. Compare the node id with the one the peer shows (Get-PeerNode on it) before you trust it. Objects from
/// Find-PeerNode and Resolve-PeerNode pipe in by property name.</para>
/// </summary>
/// <example>
/// <code>Find-PeerNode -Timeout 3 | Where-Object Name -like 'lab-*' | Add-PeerTrust</code>
/// <para>Trusts every lab node found on the local link.</para>
/// </example>
/// <example>
/// <code>Add-PeerTrust -NodeId 'MFZWI3D-...' -Name backup-host -Address 10.0.4.20:47620</code>
/// <para>Trusts a node beyond the link, with the address to reach it at.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "PeerTrust", SupportsShouldProcess = true)]
[OutputType(typeof(PeerTrust))]
public sealed class AddPeerTrustCommand : NodeCmdlet
{
    /// <summary><para>The peer's node id.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string NodeId { get; set; } = "";

    /// <summary><para>A name to remember the peer by.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Name { get; set; }

    /// <summary><para>Addresses to reach the peer at: host or host:port.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Addresses")]
    public string[]? Address { get; set; }

    /// <summary><para>The peer's port, added to addresses given without one.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 65535)]
    public int? Port { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        if (!ShouldProcess(NodeId, "Trust the node")) return;
        var addresses = (Address ?? []).Select(a => Port is > 0 && !a.Contains(':', StringComparison.Ordinal) ? $"{a}:{Port}"
            : Port is > 0 && a.Count(c => c == ':') > 1 && !a.StartsWith('[') ? $"[{a}]:{Port}" : a).ToArray();
        if (TryRunEngine(() => new TrustStore(session.Home).Add(Core.Node.NodeId.Parse(NodeId), Name, addresses), NodeId, out var trust))
            WriteObject(trust);
    }
}
