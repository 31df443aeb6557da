namespace PeerStorage.Agent;

/// <summary>
/// The agent's exit codes. Distinct codes let a service manager tell "will not fix itself" (bad configuration, no
/// node home: don't restart) from a failure worth a restart.
/// </summary>
public static class AgentExitCodes
{
    /// <summary>Stopped cleanly (SIGTERM, Ctrl+C, service stop) or printed help.</summary>
    public const int Success = 0;
    /// <summary>An unexpected failure.</summary>
    public const int Failure = 1;
    /// <summary>The command line or a configuration file is invalid.</summary>
    public const int InvalidConfiguration = 2;
    /// <summary>No node home at the configured path (and --Initialize was not given).</summary>
    public const int NodeHomeNotFound = 3;
    /// <summary>The node cannot listen on its port.</summary>
    public const int PortUnavailable = 4;
    /// <summary>The node already runs in another process.</summary>
    public const int AlreadyRunning = 5;

    /// <summary>The exit code for an error that kept the node from starting.</summary>
    public static int For(Exception error) => error switch
    {
        PeerStorageException { Kind: PeerErrorKind.NotFound } => NodeHomeNotFound,
        PeerStorageException { Kind: PeerErrorKind.ResourceUnavailable } => PortUnavailable,
        PeerStorageException { Kind: PeerErrorKind.InvalidOperation } => AlreadyRunning,
        PeerStorageException { Kind: PeerErrorKind.InvalidArgument } => InvalidConfiguration,
        AgentConfigurationException => InvalidConfiguration,
        _ => Failure,
    };
}
