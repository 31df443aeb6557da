namespace PeerStorage.Shell.Tests;

/// <summary>-File, -Command, script arguments and the shell's own options.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Named_switch_and_positional_arguments_bind_like_pwsh_File()
    {
        using var dir = new TempDirectory();
        var script = dir.Script("args.ps1", """
            param([string]$Name, [int]$Count, [switch]$Force, [bool]$Flag = $true)
            "Name=$Name;Count=$Count;Force=$Force;Flag=$Flag;Rest=$($args -join '|')"
            """);

        var result = ShellProcess.Run("-NoModule", "-File", script, "-Name", "it's a 'name'", "-Count", "4", "-Force", "-Flag:false", "extra", "$(whoami)");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Name=it's a 'name';Count=4;Force=True;Flag=False;Rest=extra|$(whoami)", result.StdOut);
    }

    [Fact]
    public void The_script_knows_its_own_path()
    {
        using var dir = new TempDirectory();
        var script = dir.Script("where.ps1", "\"root=$PSScriptRoot\"; \"path=$PSCommandPath\"");

        var result = ShellProcess.Run("-NoModule", script);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"root={dir.Path}", result.StdOut);
        Assert.Contains($"path={script}", result.StdOut);
    }

    [Fact]
    public void Command_joins_the_remaining_arguments_into_one_command()
    {
        var result = ShellProcess.Run("-NoModule", "-Command", "$x", "=", "6", "*", "7;", "\"answer $x\"");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("answer 42", result.StdOut);
    }

    [Fact]
    public void Command_dash_reads_the_command_from_stdin()
    {
        var result = ShellProcess.Run(["-NoModule", "-Command", "-"], environment: null, stdin: "'from' + ' stdin'\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("from stdin", result.StdOut);
    }

    [Fact]
    public void Help_prints_the_usage()
    {
        var result = ShellProcess.Run("-Help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("peerstorage-shell [options] [-File] <script.ps1>", result.StdOut);
    }

    [Theory]
    [InlineData("-NoSuchOption", "x.ps1")]
    [InlineData("-Command")]
    [InlineData("-ErrorView", "Fancy", "-Command", "1")]
    [InlineData("does-not-exist.ps1")]
    public void A_bad_command_line_exits_64(params string[] args)
    {
        var result = ShellProcess.Run(args);

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.StartsWith("peerstorage-shell: ", result.StdErr);
    }
}
