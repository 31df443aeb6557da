namespace PeerStorage.Shell.Commands;

/// <summary>The exception behind <c>Write-Error "text"</c>, named as in pwsh so scripts can catch it by type name.</summary>
public sealed class WriteErrorException(string message) : SystemException(message);
