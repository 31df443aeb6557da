namespace PeerStorage.Agent;

/// <summary>The command line or a configuration file cannot be used; the message says what to fix.</summary>
public sealed class AgentConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
