using System.Management.Automation;
using PeerStorage.Core.Resolution;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Network;

/// <summary>
/// <para type="synopsis">Opens an authenticated session to a peer and measures a round trip.</para>
/// <para type="description">Test-PeerConnection finds the peer (the addresses given, else the resolver: configured
/// addresses and cache, mDNS, then the directory), opens a mutual TLS 1.3 session that proves the peer holds the key
/// of that node id, and times an authenticated ping. It returns a PeerConnectionTest either way; a failure is also
/// written as an error so -ErrorAction Stop and try/catch see it. Peers swap fleet revocations on the way.</para>
/// </summary>
/// <example>
/// <code>Get-PeerTrust | Test-PeerConnection | Where-Object { -not $_.Success }</code>
/// <para>Lists the trusted peers that cannot be reached right now, with the reason.</para>
/// </example>
/// <example>
/// <code>Test-PeerConnection -NodeId 'MFZWI3D-...' -Address 10.0.4.20:47620</code>
/// <para>Tests a peer at a known address.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "PeerConnection")]
[OutputType(typeof(PeerConnectionTest))]
public sealed class TestPeerConnectionCommand : NodeCmdlet
{
    /// <summary><para>The peer to test.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string NodeId { get; set; } = "";

    /// <summary><para>Addresses to try (host:port), instead of resolving the peer.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Addresses")]
    public string[]? Address { get; set; }

    /// <summary><para>The peer's port, for addresses given without one.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary><para>How long to look for the peer on the local link when resolving it. Defaults to 2 seconds.</para></summary>
    [Parameter]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        var addresses = Address?.Select(a => Port is { } p && !a.Contains(':', StringComparison.Ordinal) ? $"{a}:{p}" : a).ToArray();
        if (!TryRunEngine(async (_, cancellationToken) =>
                await PeerConnectionTester.TestAsync(home, Core.Node.NodeId.Parse(NodeId), addresses, Timeout, cancellationToken).ConfigureAwait(false),
                NodeId, out var result)) return;
        WriteObject(result.Test);
        if (result.Error is not null) WriteError(ErrorRecords.From(result.Error, NodeId));
    }
}
