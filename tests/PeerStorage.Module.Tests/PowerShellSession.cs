using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace PeerStorage.Module.Tests;

/// <summary>What a script produced on each stream, copied before the PowerShell instance is disposed.</summary>
public sealed class ScriptResult
{
    public required IReadOnlyList<PSObject> Output { get; init; }
    public required IReadOnlyList<ErrorRecord> Errors { get; init; }
    public required IReadOnlyList<WarningRecord> Warnings { get; init; }
    public required IReadOnlyList<VerboseRecord> Verbose { get; init; }
    public required IReadOnlyList<InformationRecord> Information { get; init; }
    public required IReadOnlyList<ProgressRecord> Progress { get; init; }
    /// <summary>A terminating error that ended the script, if one did.</summary>
    public Exception? Terminating { get; init; }

    public T Single<T>() => (T)Assert.Single(Output).BaseObject;
    public IEnumerable<T> All<T>() => Output.Select(o => (T)o.BaseObject);
}

/// <summary>
/// A runspace of the real PowerShell engine (CreateDefault2) with the built module imported from out/PeerStorage,
/// the way a user's session would have it.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    public PowerShellSession(bool importModule = true)
    {
        Runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        Runspace.Open();
        if (importModule)
        {
            var imported = Run("Import-Module $args[0] -PassThru -ErrorAction Stop", ModuleFolder.Manifest);
            if (imported.Terminating is not null) throw new InvalidOperationException("Import-Module failed", imported.Terminating);
        }
    }

    public Runspace Runspace { get; }

    /// <summary>Runs a script; $args holds <paramref name="arguments"/>.</summary>
    public ScriptResult Run(string script, params object?[] arguments)
    {
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = Runspace;
        ps.AddScript(script);
        foreach (var argument in arguments) ps.AddArgument(argument);
        Collection<PSObject> output = [];
        Exception? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException e)
        {
            terminating = e;
        }
        return new ScriptResult
        {
            Output = output.Where(o => o is not null).ToList(),
            Errors = ps.Streams.Error.ToList(),
            Warnings = ps.Streams.Warning.ToList(),
            Verbose = ps.Streams.Verbose.ToList(),
            Information = ps.Streams.Information.ToList(),
            Progress = ps.Streams.Progress.ToList(),
            Terminating = terminating,
        };
    }

    public void Dispose() => Runspace.Dispose();
}

/// <summary>Where the built module is: out/PeerStorage at the repository root.</summary>
public static class ModuleFolder
{
    public static string Root { get; } = FindRoot();
    public static string Path { get; } = System.IO.Path.Combine(Root, "out", "PeerStorage");
    public static string Manifest { get; } = System.IO.Path.Combine(Path, "PeerStorage.psd1");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "PeerStorage.slnx"))) return dir.FullName;
        throw new InvalidOperationException("The repository root (PeerStorage.slnx) was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A node home folder under the temp directory, deleted afterwards.</summary>
public sealed class TempNodeHome : IDisposable
{
    public TempNodeHome()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "peerstorage-test-" + Guid.NewGuid().ToString("N")[..12]);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
