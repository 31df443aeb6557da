using System.Diagnostics;

namespace PeerStorage.Network.Tests.Lab;

/// <summary>Runs a program to completion with a time limit, capturing its output.</summary>
public static class Command
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static CommandResult Run(IReadOnlyList<string> command, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null) =>
        RunAsync(command, timeout, environment).GetAwaiter().GetResult();

    public static async Task<CommandResult> RunAsync(IReadOnlyList<string> command, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = new Process { StartInfo = StartInfo(command, environment) };
        process.Start();
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', command)}' did not finish within {timeout ?? DefaultTimeout}.");
        }
        return new CommandResult(command, process.ExitCode, await stdout, await stderr);
    }

    public static ProcessStartInfo StartInfo(IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1)) info.ArgumentList.Add(argument);
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;
        return info;
    }

    /// <summary>Whether a program is on the PATH (or is an existing path).</summary>
    public static bool Exists(string program) =>
        program.Contains('/')
            ? File.Exists(program)
            : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
                .Split(':').Append("/usr/sbin").Append("/sbin")
                .Any(dir => File.Exists(Path.Combine(dir, program)));
}
