using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Node;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Node;

/// <summary>
/// <para type="synopsis">Checks a node home: identity, key permissions, state database, log and port.</para>
/// <para type="description">Test-PeerNode returns one PeerNodeCheck per check. A failed check is also written as an
/// error (NodeCheckFailed), so -ErrorAction Stop ends a script on the first problem. With -AsJob it runs as a job
/// that Get-Job, Wait-Job and Receive-Job handle. Each run leaves a record that Get-PeerJob lists.</para>
/// </summary>
/// <example>
/// <code>Test-PeerNode -NodePath /srv/peerstorage | Where-Object { -not $_.Passed }</code>
/// <para>Lists only the checks that failed.</para>
/// </example>
/// <example>
/// <code>$job = Test-PeerNode -AsJob; $job | Wait-Job | Receive-Job</code>
/// <para>Runs the checks in the background, then collects the results.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Test, "PeerNode")]
[OutputType(typeof(PeerNodeCheck), typeof(Job))]
public sealed class TestPeerNodeCommand : NodeCmdlet
{
    /// <summary><para>Runs the checks as a PowerShell job and returns the job at once.</para></summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var home = session.Home;
        RunLongWork(session, new JobSpec("NodeHealthCheck", $"Test node {home.Name}", JobPools.Maintenance),
            context => NodeHealth.CheckAsync(home, context, context.CancellationToken), AsJob);
    }
}
