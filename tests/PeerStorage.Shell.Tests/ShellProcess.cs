using System.Diagnostics;
using System.Reflection;

namespace PeerStorage.Shell.Tests;

/// <summary>What one run of the shell printed and returned.</summary>
public sealed record ShellResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>
/// Starts the built peerstorage-shell.dll with <c>dotnet</c>, all three streams redirected (so the shell sees
/// no terminal, as in CI; stdin is closed after the optional text), and a private PEERSTORAGE_HOME.
/// </summary>
public static class ShellProcess
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    public static string ShellDll { get; } = Metadata("PeerStorageShellDll");

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    /// <summary>The muxer that runs this test host, so the shell runs on the same runtime.</summary>
    public static string DotnetHost { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static ShellResult Run(params string[] args) => Run(args, environment: null);

    public static ShellResult Run(
        IReadOnlyList<string> args,
        IDictionary<string, string?>? environment,
        TimeSpan? timeout = null,
        string? stdin = null)
    {
        using var process = Start(args, environment, stdin: stdin);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"peerstorage-shell {string.Join(' ', args)} did not finish in time.");
        }

        process.WaitForExit();
        return new ShellResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Starts the shell and leaves it running; the caller reads the streams and waits. A launcher (a program and
    /// its arguments, such as /usr/bin/env with options) runs <c>dotnet</c> in turn.
    /// </summary>
    public static Process Start(
        IReadOnlyList<string> args,
        IDictionary<string, string?>? environment = null,
        IReadOnlyList<string>? launcher = null,
        string? stdin = null)
    {
        string[] command = [.. launcher ?? [], DotnetHost, ShellDll, .. args];
        return StartProgram(command[0], command[1..], environment, stdin);
    }

    /// <summary>Starts any program (a terminal emulator for example) with the same clean environment.</summary>
    public static Process StartProgram(
        string program,
        IReadOnlyList<string> args,
        IDictionary<string, string?>? environment = null,
        string? stdin = null)
    {
        var info = new ProcessStartInfo
        {
            FileName = program,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Nothing from the developer's own session may change what the shell does.
        info.Environment.Remove("PEERSTORAGE_MODULE");
        info.Environment.Remove("PEERSTORAGE_SHELL_ERRORVIEW");
        info.Environment.Remove("NO_COLOR");
        info.Environment["PEERSTORAGE_HOME"] = Path.Combine(Path.GetTempPath(), "peerstorage-shell-tests-home");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        return process;
    }

    private static string Metadata(string key) =>
        typeof(ShellProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
