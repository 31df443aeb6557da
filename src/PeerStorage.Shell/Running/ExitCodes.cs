namespace PeerStorage.Shell.Running;

/// <summary>The process exit codes besides the script's own <c>exit N</c> (same numbers as pwsh).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadCommandLine = 64;
    public const int Interrupted = 130;
}
