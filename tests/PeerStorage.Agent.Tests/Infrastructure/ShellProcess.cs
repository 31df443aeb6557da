using System.Diagnostics;
using System.Reflection;

namespace PeerStorage.Agent.Tests.Infrastructure;

/// <summary>What one run of the shell printed and returned.</summary>
public sealed record ShellResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>
/// The built peerstorage-shell (<c>dotnet peerstorage-shell.dll ...</c>), run from the repository root the way the
/// README runs a script, with no terminal and none of the test machine's PEERSTORAGE_* settings but mDNS's.
/// </summary>
public static class ShellProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public static ShellResult Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        info.ArgumentList.Add(Metadata("PeerStorageShellDll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("PEERSTORAGE_", StringComparison.OrdinalIgnoreCase) && !k.StartsWith("PEERSTORAGE_MDNS", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment.Remove("NO_COLOR");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the shell.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"peerstorage-shell {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds:0} s.");
        }
        process.WaitForExit();
        return new ShellResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string Metadata(string key) =>
        typeof(ShellProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing: build tests/PeerStorage.Agent.Tests.");
}
