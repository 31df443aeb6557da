using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PeerStorage.Shell.CommandLine;
using PeerStorage.Shell.Commands;
using PeerStorage.Shell.Host;

namespace PeerStorage.Shell.Running;

/// <summary>
/// One run: open a runspace on the shell host, import the module, run the script or command with all
/// output piped to Out-Default, and turn the outcome into an exit code (see README.md).
/// </summary>
internal sealed class ShellRunner(ShellOptions options, Terminal terminal)
{
    private readonly ShellHost _host = new(terminal);

    public int Run()
    {
        using var cancel = new CancelKeyHandler();
        using var runspace = RunspaceFactory.CreateRunspace(_host, CreateSessionState());
        try
        {
            runspace.Open();
            runspace.SessionStateProxy.SetVariable("ErrorView", ToEngineView(options.ErrorView));

            if (!options.NoModule && !ImportModule(runspace, cancel))
            {
                return cancel.Cancelled ? ExitCodes.Interrupted : ExitCodes.Failure;
            }

            return RunMain(runspace, cancel);
        }
        finally
        {
            _host.ShellUI.ClearProgress();
            terminal.Flush();
        }
    }

    private static InitialSessionState CreateSessionState()
    {
        var state = InitialSessionState.CreateDefault2();
        ShellCommands.AddTo(state);
        if (OperatingSystem.IsWindows())
        {
            // Scripts are run on purpose by whoever started the shell: the machine policy must not refuse
            // them or the module's own files. (Execution policy does not exist elsewhere.)
            state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        }

        return state;
    }

    private bool ImportModule(Runspace runspace, CancelKeyHandler cancel)
    {
        var target = ModuleLocator.Locate(options.ModulePath, Environment.GetEnvironmentVariable, AppContext.BaseDirectory);
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddCommand("Import-Module")
            .AddParameter("Name", target)
            .AddParameter("ErrorAction", ActionPreference.Stop);
        SendAllOutputToHost(ps);

        try
        {
            cancel.Run(ps, () => ps.Invoke());
            return true;
        }
        catch (PipelineStoppedException)
        {
            return false;
        }
        catch (RuntimeException error)
        {
            ErrorReporter.Report(runspace, _host, error);
            _host.UI.WriteErrorLine(
                $"peerstorage-shell: could not import the PeerStorage module from '{target}'. " +
                "Build it (dotnet build src/PeerStorage.PowerShell), point -Module or $env:PEERSTORAGE_MODULE at it, or use -NoModule.");
            return false;
        }
    }

    private int RunMain(Runspace runspace, CancelKeyHandler cancel)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        Exception? escaped = null;
        try
        {
            AddMainCommand(ps);
            SendAllOutputToHost(ps);
            // AddToHistory keeps the engine from restoring $? afterwards: the exit code reads it, as pwsh does.
            cancel.Run(ps, () => ps.Invoke(null, new PSInvocationSettings { AddToHistory = true }));
        }
        catch (PipelineStoppedException) when (cancel.Cancelled)
        {
            return ExitCodes.Interrupted;
        }
        catch (RuntimeException error)
        {
            escaped = error;
        }

        if (cancel.Cancelled)
        {
            return ExitCodes.Interrupted;
        }

        if (_host.ExitRequested is { } code)
        {
            return code;
        }

        if (escaped is not null)
        {
            _host.ShellUI.ClearProgress();
            ErrorReporter.Report(runspace, _host, escaped);
            return ExitCodes.Failure;
        }

        return LastStatementSucceeded(runspace) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private void AddMainCommand(PowerShell ps)
    {
        if (options.Mode == RunMode.Command)
        {
            var text = options.CommandText == "-" ? Console.In.ReadToEnd() : options.CommandText!;
            ps.AddScript(text);
            return;
        }

        var path = Path.GetFullPath(options.ScriptPath!);
        var script = ScriptLoader.Load(path);
        // The script block travels as $args[0] of a tiny wrapper; its own arguments are rendered as text
        // so that "-Name value" binds to the script's param() block exactly as pwsh -File binds it.
        ps.AddScript("& $args[0]" + ScriptArguments.Render(options.ScriptArguments), useLocalScope: true)
            .AddArgument(script);
    }

    // Errors join the output so that Out-Default renders them in order with the tables, through $ErrorView.
    private static void SendAllOutputToHost(PowerShell ps)
    {
        ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
        ps.Commands.AddCommand(new Command(OutShellDefaultCommand.Name) { CommandOrigin = CommandOrigin.Internal });
    }

    private static bool LastStatementSucceeded(Runspace runspace)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        var result = ps.AddScript("$global:?").Invoke();
        return result.Count == 1 && result[0]?.BaseObject is true;
    }

    private static ErrorView ToEngineView(ShellErrorView view) =>
        view == ShellErrorView.Normal ? ErrorView.NormalView : ErrorView.ConciseView;
}
