namespace PeerStorage;

/// <summary>The life of a run in the engine's job runner.</summary>
public enum PeerJobState
{
    /// <summary>Waiting for a slot in its pool.</summary>
    Queued,
    /// <summary>Running now.</summary>
    Running,
    /// <summary>Finished without error.</summary>
    Completed,
    /// <summary>Finished with an error.</summary>
    Failed,
    /// <summary>Stopped on request.</summary>
    Stopped,
    /// <summary>Its process ended while it ran (found at the next start).</summary>
    Interrupted,
}

/// <summary>The durable record of one run of long work: what ran, when, how it ended, how many bytes it moved.</summary>
public sealed class PeerJobRecord
{
    /// <summary>The run id, unique in its node home.</summary>
    public long Id { get; init; }
    /// <summary>The node whose home holds the record.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>What kind of work (for example NodeHealthCheck, PeerNode).</summary>
    public string Kind { get; init; } = "";
    /// <summary>The runner pool it ran in.</summary>
    public string Pool { get; init; } = "";
    /// <summary>A line that says what the run does.</summary>
    public string Description { get; init; } = "";
    /// <summary>Its state.</summary>
    public PeerJobState State { get; init; }
    /// <summary>When it was queued.</summary>
    public DateTimeOffset Queued { get; init; }
    /// <summary>When it started running.</summary>
    public DateTimeOffset? Started { get; init; }
    /// <summary>When it ended.</summary>
    public DateTimeOffset? Ended { get; init; }
    /// <summary>Bytes it moved or processed.</summary>
    public long Bytes { get; init; }
    /// <summary>The error that ended it, if it failed.</summary>
    public string? Error { get; init; }
    /// <summary>The process that ran it (a PowerShell session or the agent).</summary>
    public int ProcessId { get; init; }
    /// <summary>How long it ran.</summary>
    public TimeSpan? Duration => Started is { } s && Ended is { } e ? e - s : null;
}
