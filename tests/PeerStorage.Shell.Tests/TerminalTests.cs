namespace PeerStorage.Shell.Tests;

/// <summary>
/// On a terminal the shell colours text and draws progress in place. A pseudo-terminal from util-linux
/// <c>script</c> stands in for a real one.
/// </summary>
public sealed class TerminalTests
{
    private const string Script = "/usr/bin/script";

    [LinuxFact(Script)]
    public async Task On_a_terminal_progress_is_one_line_redrawn_in_place_and_colours_are_kept()
    {
        const string command = """
            Write-Host 'in green' -ForegroundColor Green
            foreach ($i in 1..3) {
                Write-Progress -Activity Copying -Status "item $i" -PercentComplete ($i * 30)
                Start-Sleep -Milliseconds 150
            }
            Write-Progress -Activity Copying -Completed
            'done'
            """;
        // script runs its command through sh -c: quote every argument for sh.
        var shellCommand = string.Join(' ', new[] { ShellProcess.DotnetHost, ShellProcess.ShellDll, "-NoModule", "-Command", command }.Select(ShQuote));
        var environment = new Dictionary<string, string?> { ["TERM"] = "xterm" };

        using var process = ShellProcess.StartProgram(Script, ["-qec", shellCommand, "/dev/null"], environment);
        var output = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("\u001b[92min green\u001b[0m", output);
        Assert.Contains("\rCopying: item 1 [", output);
        Assert.Contains("\r\u001b[K", output);
        Assert.Contains("done", output);
    }

    private static string ShQuote(string value) => "'" + value.Replace("'", "'\\''") + "'";
}
