namespace PeerStorage.Shell.CommandLine;

internal static class Usage
{
    public const string Text = """
        peerstorage-shell: runs PowerShell scripts with the PeerStorage module where pwsh is not installed.

        Usage:
          peerstorage-shell [options] [-File] <script.ps1> [script arguments...]
          peerstorage-shell [options] -Command <command text...>     ('-Command -' reads it from stdin)
          peerstorage-shell -Help | -Version

        Options (before the script or -Command):
          -Module <path>       the module folder or its PeerStorage.psd1 (default: $env:PEERSTORAGE_MODULE,
                               else out/PeerStorage above the shell, else PeerStorage next to it, else by name)
          -NoModule            do not import the module
          -ErrorView <view>    Concise (default), or Normal (alias Detailed), which adds the position,
                               category and FullyQualifiedErrorId (also: $env:PEERSTORAGE_SHELL_ERRORVIEW)

        Exit code: the script's 'exit N'; 1 when a terminating error ends the script or $? is false at the
        end; 64 for a bad command line; 130 after Ctrl+C.
        """;
}
