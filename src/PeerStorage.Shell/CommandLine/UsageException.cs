namespace PeerStorage.Shell.CommandLine;

/// <summary>A command line the shell cannot act on; reported with the usage text and exit code 64.</summary>
internal sealed class UsageException(string message) : Exception(message);
