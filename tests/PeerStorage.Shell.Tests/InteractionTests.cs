using System.Runtime.InteropServices;

namespace PeerStorage.Shell.Tests;

/// <summary>Prompts without a terminal, and Ctrl+C.</summary>
public sealed class InteractionTests
{
    private const int SigInt = 2;
    private const string Env = "/usr/bin/env";

    [Fact]
    public void Confirm_without_a_terminal_fails_clearly_instead_of_waiting()
    {
        var result = ShellProcess.Run("-NoModule", "-Command", """
            function Remove-Thing {
                [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
                param()
                if ($PSCmdlet.ShouldProcess('thing')) { 'removed' }
            }
            Remove-Thing
            """);

        // Within a script function the host's refusal is a method-call error, which does not stop the
        // script; in a compiled cmdlet it is terminating (see ModuleThroughShellTests).
        Assert.Contains("standard input is not a terminal", result.StdErr);
        Assert.DoesNotContain("removed", result.StdOut);
    }

    [Fact]
    public void Confirm_false_runs_without_asking()
    {
        var result = ShellProcess.Run("-NoModule", "-Command", """
            function Remove-Thing {
                [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
                param()
                if ($PSCmdlet.ShouldProcess('thing')) { 'removed' }
            }
            Remove-Thing -Confirm:$false
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("removed", result.StdOut);
    }

    [LinuxFact(Env)]
    public async Task CtrlC_stops_the_script_runs_its_finally_block_and_exits_130()
    {
        using var dir = new TempDirectory();
        var script = dir.Script("forever.ps1", """
            Write-Host 'ready'
            try { while ($true) { Start-Sleep -Milliseconds 100 } }
            finally { Write-Host 'cleanup ran' }
            """);

        // env --default-signal: a test host started in the background may have inherited SIGINT as
        // ignored, and a child keeps that; the shell must receive the signal as a terminal would send it.
        using var process = ShellProcess.Start(["-NoModule", script], launcher: [Env, "--default-signal=INT"]);
        var firstLine = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("ready", firstLine);

        Assert.Equal(0, Kill(process.Id, SigInt));
        var rest = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, process.ExitCode);
        Assert.Contains("cleanup ran", rest);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
