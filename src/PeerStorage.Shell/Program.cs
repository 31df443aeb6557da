using PeerStorage.Shell.CommandLine;
using PeerStorage.Shell.Host;
using PeerStorage.Shell.Running;

namespace PeerStorage.Shell;

internal static class Program
{
    private static int Main(string[] args)
    {
        ShellOptions options;
        try
        {
            options = ShellOptionsParser.Parse(args, Environment.GetEnvironmentVariable);
        }
        catch (UsageException usage)
        {
            Console.Error.WriteLine($"peerstorage-shell: {usage.Message}");
            Console.Error.WriteLine();
            Console.Error.WriteLine(Usage.Text);
            return ExitCodes.BadCommandLine;
        }

        switch (options.Mode)
        {
            case RunMode.Help:
                Console.WriteLine(Usage.Text);
                return ExitCodes.Success;
            case RunMode.Version:
                Console.WriteLine($"peerstorage-shell {ShellHost.ProductVersion}");
                return ExitCodes.Success;
        }

        if (options.Mode == RunMode.File && !File.Exists(options.ScriptPath))
        {
            Console.Error.WriteLine($"peerstorage-shell: the script file '{options.ScriptPath}' does not exist.");
            return ExitCodes.BadCommandLine;
        }

        try
        {
            var exitCode = new ShellRunner(options, new Terminal()).Run();
            // A module may leave foreground threads behind (a node a script forgot to stop); the runspace
            // is closed by now, so end the process rather than wait for them.
            Environment.Exit(exitCode);
            return exitCode;
        }
        catch (UsageException usage)
        {
            Console.Error.WriteLine($"peerstorage-shell: {usage.Message}");
            return ExitCodes.BadCommandLine;
        }
        catch (Exception unexpected)
        {
            // The engine itself failed (it could not open a runspace, for example): say so plainly.
            Console.Error.WriteLine($"peerstorage-shell: {unexpected}");
            return ExitCodes.Failure;
        }
    }
}
