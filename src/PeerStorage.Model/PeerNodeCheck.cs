namespace PeerStorage;

/// <summary>The outcome of one check of a node home by Test-PeerNode.</summary>
public sealed class PeerNodeCheck
{
    /// <summary>The node checked.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>The node home checked.</summary>
    public string NodePath { get; init; } = "";
    /// <summary>What was checked (Identity, KeyPermissions, StateDatabase, Log, Port).</summary>
    public string Check { get; init; } = "";
    /// <summary>Whether it passed.</summary>
    public bool Passed { get; init; }
    /// <summary>What was found.</summary>
    public string Detail { get; init; } = "";
}
