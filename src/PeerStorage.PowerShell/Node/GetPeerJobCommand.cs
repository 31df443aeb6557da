using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Node;

/// <summary>
/// <para type="synopsis">Lists the durable records of the engine's runs: what ran, when, how it ended and how many bytes it moved.</para>
/// <para type="description">Every run of long work (in a PowerShell session or in the agent service) leaves a record
/// in the node's state database. Get-PeerJob reads them, oldest first, so a report script can see runs that happened
/// in other processes. Runs whose process ended while they ran show as Interrupted.</para>
/// </summary>
/// <example>
/// <code>Get-PeerJob -State Failed -After ([DateTimeOffset]::Now.AddDays(-1))</code>
/// <para>Lists the runs of the last day that failed, with their errors.</para>
/// </example>
/// <example>
/// <code>Get-PeerJob -Kind NodeHealthCheck -Last 5</code>
/// <para>Shows the five most recent health checks.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "PeerJob")]
[OutputType(typeof(PeerJobRecord))]
public sealed class GetPeerJobCommand : NodeCmdlet
{
    /// <summary><para>Only the runs with these ids.</para></summary>
    [Parameter(Position = 0)]
    public long[]? Id { get; set; }

    /// <summary><para>The run id of a job or record from the pipeline (PeerStorageJob.RunId, PeerJobRecord.RunId).
    /// A job's own Id is its number in this session, so it is deliberately not what binds.</para></summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public long? RunId { get; set; }

    /// <summary><para>Only runs of these kinds (for example PeerNode, NodeHealthCheck).</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Kind { get; set; }

    /// <summary><para>Only runs in these states.</para></summary>
    [Parameter]
    public PeerJobState[]? State { get; set; }

    /// <summary><para>Only runs queued after this time.</para></summary>
    [Parameter]
    public DateTimeOffset? After { get; set; }

    /// <summary><para>Only the most recent N runs.</para></summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var ids = RunId is { } runId ? [.. Id ?? [], runId] : Id;
        var filter = new JobRecordFilter(ids, Kind, State, After, Last);
        var records = RunEngine((_, _) => Task.FromResult(JobRecords.List(session.Home.State, session.Home.NodeId.ToString(), filter)));
        foreach (var record in records) WriteObject(record);
        if (ids is { Length: > 0 })
            foreach (var missing in ids.Except(records.Select(r => r.Id)))
                WriteError(ErrorRecords.From(new PeerStorageException("PeerJobNotFound", PeerErrorKind.NotFound,
                    $"No run with id {missing} in '{session.Home.Path}'.", target: missing)));
    }
}
