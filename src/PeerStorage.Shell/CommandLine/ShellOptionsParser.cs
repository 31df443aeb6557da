namespace PeerStorage.Shell.CommandLine;

/// <summary>
/// Parses <c>[options] [-File] script.ps1 [args...]</c> and <c>[options] -Command text...</c>. Shell options
/// come first; everything after the script path belongs to the script, as with pwsh.
/// </summary>
internal static class ShellOptionsParser
{
    public const string ErrorViewVariable = "PEERSTORAGE_SHELL_ERRORVIEW";

    public static ShellOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        string? modulePath = null;
        var noModule = false;
        ShellErrorView? errorView = null;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!IsOption(arg))
            {
                return Finish(RunMode.File, arg, null, args.Skip(i + 1).ToArray());
            }

            switch (OptionName(arg))
            {
                case "file" or "f":
                    var script = ValueAfter(args, ref i, "-File", "a script path");
                    return Finish(RunMode.File, script, null, args.Skip(i + 1).ToArray());

                case "command" or "c":
                    var rest = args.Skip(i + 1).ToArray();
                    if (rest.Length == 0)
                    {
                        throw new UsageException("-Command needs the command text (or '-' to read it from standard input).");
                    }

                    // pwsh joins the remaining arguments into one command text.
                    return Finish(RunMode.Command, null, string.Join(' ', rest), []);

                case "module" or "m":
                    modulePath = ValueAfter(args, ref i, "-Module", "a module folder or .psd1 path");
                    break;

                case "nomodule":
                    noModule = true;
                    break;

                case "errorview" or "ev":
                    errorView = ParseErrorView(ValueAfter(args, ref i, "-ErrorView", "Concise, Normal or Detailed"));
                    break;

                case "help" or "h" or "?":
                    return Finish(RunMode.Help, null, null, []);

                case "version" or "v":
                    return Finish(RunMode.Version, null, null, []);

                default:
                    throw new UsageException($"Unknown option '{arg}'.");
            }
        }

        throw new UsageException("Give a script file to run, or -Command with the command text.");

        ShellOptions Finish(RunMode mode, string? script, string? command, IReadOnlyList<string> scriptArgs)
        {
            var view = errorView ?? FromEnvironment(environment(ErrorViewVariable));
            return new ShellOptions(mode, script, command, scriptArgs, modulePath, noModule, view);
        }
    }

    private static ShellErrorView FromEnvironment(string? value) =>
        string.IsNullOrWhiteSpace(value) ? ShellErrorView.Concise : ParseErrorView(value);

    private static ShellErrorView ParseErrorView(string value)
    {
        var name = value.Trim();
        if (name.EndsWith("View", StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^4];
        }

        // pwsh's DetailedView is drawn by Get-Error, a Utility cmdlet the engine package lacks (errors would
        // vanish), so "Detailed" asks for the most detailed view that works here.
        if (string.Equals(name, "Detailed", StringComparison.OrdinalIgnoreCase))
        {
            return ShellErrorView.Normal;
        }

        return Enum.TryParse<ShellErrorView>(name, ignoreCase: true, out var view) && Enum.IsDefined(view)
            ? view
            : throw new UsageException($"Unknown error view '{value}': use Concise, Normal or Detailed.");
    }

    private static bool IsOption(string arg) => arg.Length > 1 && arg[0] == '-';

    private static string OptionName(string arg) => arg.TrimStart('-').ToLowerInvariant();

    private static string ValueAfter(IReadOnlyList<string> args, ref int i, string option, string what)
    {
        if (i + 1 >= args.Count)
        {
            throw new UsageException($"{option} needs {what}.");
        }

        return args[++i];
    }
}
