namespace PeerStorage.Shell.Tests;

/// <summary>The exit-code rule documented in src/PeerStorage.Shell/README.md (pwsh's rule).</summary>
public sealed class ExitCodeTests
{
    [Fact]
    public void A_throw_exits_one_and_prints_the_message_on_stderr()
    {
        using var dir = new TempDirectory();
        var script = dir.Script("fails.ps1", """
            'before the failure'
            throw 'the sky fell'
            'never printed'
            """);

        var result = ShellProcess.Run("-NoModule", script);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("before the failure", result.StdOut);
        Assert.DoesNotContain("never printed", result.StdOut);
        Assert.Contains("the sky fell", result.StdErr);
    }

    [Fact]
    public void A_script_that_ends_normally_exits_zero_even_after_a_non_terminating_error()
    {
        using var dir = new TempDirectory();
        var script = dir.Script("carries-on.ps1", "Write-Error 'one item failed'\n'carried on'\n");

        var result = ShellProcess.Run("-NoModule", script);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("one item failed", result.StdErr);
        Assert.Contains("carried on", result.StdOut);
    }

    [Fact]
    public void ErrorActionPreference_Stop_turns_an_error_into_exit_one()
    {
        using var dir = new TempDirectory();
        var script = dir.Script("strict.ps1", "$ErrorActionPreference = 'Stop'\nWrite-Error 'one item failed'\n'not reached'\n");

        var result = ShellProcess.Run("-NoModule", script);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("one item failed", result.StdErr);
        Assert.DoesNotContain("not reached", result.StdOut);
    }

    [Fact]
    public void Exit_zero_wins_over_earlier_errors()
    {
        var result = ShellProcess.Run("-NoModule", "-Command", "Write-Error 'ignored'; exit 0");

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Theory]
    [InlineData("'fine'", 0)]
    [InlineData("Write-Error 'last statement failed'", 1)]
    [InlineData("Write-Error 'early failure'; 'then fine'", 0)]
    [InlineData("exit 7", 7)]
    public void Command_exits_with_exit_N_else_by_the_success_of_its_last_statement(string command, int expected)
    {
        var result = ShellProcess.Run("-NoModule", "-Command", command);

        Assert.True(result.ExitCode == expected, result.ToString());
    }

    [Fact]
    public void A_parse_error_exits_one_and_names_the_problem()
    {
        using var dir = new TempDirectory();
        var script = dir.Script("broken.ps1", "if ($true) {\n'unclosed'\n");

        var result = ShellProcess.Run("-NoModule", script);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Missing closing '}'", result.StdErr);
        Assert.Contains("broken.ps1", result.StdErr);
    }
}
