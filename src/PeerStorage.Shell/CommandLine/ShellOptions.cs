namespace PeerStorage.Shell.CommandLine;

internal enum RunMode
{
    File,
    Command,
    Help,
    Version,
}

/// <summary>How errors are rendered: pwsh's ConciseView, or NormalView, which adds the position, the
/// category and the FullyQualifiedErrorId.</summary>
internal enum ShellErrorView
{
    Concise,
    Normal,
}

/// <summary>The parsed command line (see Usage for the syntax).</summary>
internal sealed record ShellOptions(
    RunMode Mode,
    string? ScriptPath,
    string? CommandText,
    IReadOnlyList<string> ScriptArguments,
    string? ModulePath,
    bool NoModule,
    ShellErrorView ErrorView);
