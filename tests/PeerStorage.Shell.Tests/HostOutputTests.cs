using System.Text.RegularExpressions;

namespace PeerStorage.Shell.Tests;

/// <summary>What a script prints reaches stdout/stderr the way pwsh would print it, as plain text when redirected.</summary>
public sealed class HostOutputTests
{
    private const char Escape = '\u001b';

    [Fact]
    public void Script_shows_host_text_a_table_and_an_error_and_exits_with_its_code()
    {
        using var dir = new TempDirectory();
        var script = dir.Script("report.ps1", """
            Write-Host 'hello from Write-Host'
            [pscustomobject]@{ Name = 'alpha'; Size = 1 }, [pscustomobject]@{ Name = 'beta'; Size = 22 }
            Write-Error 'disk is full'
            exit 3
            """);

        var result = ShellProcess.Run("-NoModule", script);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("hello from Write-Host", result.StdOut);
        Assert.Matches(new Regex(@"^Name\s+Size\s*$", RegexOptions.Multiline), result.StdOut);
        Assert.Matches(new Regex(@"^alpha\s+1\s*$", RegexOptions.Multiline), result.StdOut);
        Assert.Matches(new Regex(@"^beta\s+22\s*$", RegexOptions.Multiline), result.StdOut);
        Assert.Contains("Write-Error", result.StdErr);
        Assert.Contains("disk is full", result.StdErr);
        Assert.DoesNotContain("disk is full", result.StdOut);
        Assert.DoesNotContain(Escape, result.StdOut + result.StdErr);
    }

    [Fact]
    public void Warning_verbose_and_information_streams_follow_their_preferences()
    {
        var result = ShellProcess.Run("-NoModule", "-Command", """
            Write-Warning 'low space'
            Write-Verbose 'hidden by default'
            $VerbosePreference = 'Continue'; Write-Verbose 'now shown'
            Write-Information 'info hidden'
            Write-Information 'info shown' -InformationAction Continue
            Write-Host 'a' -NoNewline; Write-Host 'b' -ForegroundColor Green
            Write-Output 'written'
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("WARNING: low space", result.StdOut);
        Assert.Contains("VERBOSE: now shown", result.StdOut);
        Assert.DoesNotContain("hidden by default", result.StdOut);
        Assert.Contains("info shown", result.StdOut);
        Assert.DoesNotContain("info hidden", result.StdOut);
        Assert.Contains("ab" + Environment.NewLine, result.StdOut);
        Assert.Contains("written", result.StdOut);
    }

    [Fact]
    public void Progress_does_not_reach_redirected_output()
    {
        var result = ShellProcess.Run("-NoModule", "-Command", """
            'first'
            foreach ($i in 1..5) {
                Write-Progress -Activity 'Copying' -Status "item $i" -PercentComplete ($i * 20)
                "line $i"
            }
            Write-Progress -Activity 'Copying' -Completed
            'last'
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StdOut.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0);
        Assert.Equal(["first", "line 1", "line 2", "line 3", "line 4", "line 5", "last"], lines);
        Assert.DoesNotContain('\r', result.StdOut.Replace("\r\n", "\n"));
        Assert.DoesNotContain(Escape, result.StdOut);
        Assert.DoesNotContain("Copying", result.StdOut + result.StdErr);
    }

    [Fact]
    public void Table_rows_written_just_before_exit_or_throw_are_not_lost()
    {
        // Out-Default holds the first rows of a table back to size its columns; pwsh drops them when the
        // pipeline ends abruptly (PowerShell issue #13985). The shell shows them.
        var exited = ShellProcess.Run("-NoModule", "-Command", "[pscustomobject]@{ Marker = 'row-before-exit' }; exit 2");
        var thrown = ShellProcess.Run("-NoModule", "-Command", "[pscustomobject]@{ Marker = 'row-before-throw' }; throw 'stop here'");

        Assert.True(exited.ExitCode == 2, exited.ToString());
        Assert.Contains("row-before-exit", exited.StdOut);
        Assert.True(thrown.ExitCode == 1, thrown.ToString());
        Assert.Contains("row-before-throw", thrown.StdOut);
        Assert.Contains("stop here", thrown.StdErr);
    }

    [Fact]
    public void WhatIf_messages_are_shown()
    {
        var result = ShellProcess.Run("-NoModule", "-Command", """
            function Remove-Thing {
                [CmdletBinding(SupportsShouldProcess)]
                param([string]$Name)
                if ($PSCmdlet.ShouldProcess($Name, 'Remove thing')) { 'removed' }
            }
            Remove-Thing -Name widget -WhatIf
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("What if: Performing the operation \"Remove thing\" on target \"widget\".", result.StdOut);
        Assert.DoesNotContain("removed", result.StdOut);
    }
}
