namespace PeerStorage;

/// <summary>Whether a node's engine is running (in a PowerShell session or as the agent).</summary>
public enum PeerNodeState
{
    /// <summary>No process runs the node's listeners.</summary>
    Stopped,
    /// <summary>A process runs the node and refreshes its heartbeat.</summary>
    Running,
}

/// <summary>The local node: its identity, where its home is and whether it runs.</summary>
public sealed class PeerNode
{
    /// <summary>The readable node id (SHA-256 of the node's public key, with check characters).</summary>
    public string NodeId { get; init; } = "";
    /// <summary>The node's name, as peers see it.</summary>
    public string Name { get; init; } = "";
    /// <summary>The node home folder.</summary>
    public string NodePath { get; init; } = "";
    /// <summary>The addresses this machine can be reached at.</summary>
    public string[] Addresses { get; init; } = [];
    /// <summary>The TCP port the node listens on (the configured one, or the bound one while running).</summary>
    public int Port { get; init; }
    /// <summary>The fleet this node's certificate was issued by, if any.</summary>
    public string? FleetId { get; init; }
    /// <summary>The engine version that serves this node.</summary>
    public string Version { get; init; } = "";
    /// <summary>Running or Stopped.</summary>
    public PeerNodeState State { get; init; }
    /// <summary>The process id that runs the node, while it runs.</summary>
    public int? ProcessId { get; init; }
    /// <summary>When the identity was created.</summary>
    public DateTimeOffset Created { get; init; }
    /// <summary>The directory server address used to find peers beyond the link, if set.</summary>
    public string? DirectoryAddress { get; init; }
    /// <summary>How often the running node registers again with its directory server.</summary>
    public TimeSpan DirectoryRefreshInterval { get; init; }
    /// <summary>SHA-256 thumbprint of the node certificate.</summary>
    public string CertificateThumbprint { get; init; } = "";
    /// <summary>How long past a hosted lease's end its space is kept before the wipe (clock skew allowance).</summary>
    public TimeSpan LeaseGracePeriod { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({NodeId})";
}
