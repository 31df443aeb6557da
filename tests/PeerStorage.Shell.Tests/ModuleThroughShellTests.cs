using System.Text.RegularExpressions;

namespace PeerStorage.Shell.Tests;

/// <summary>The PeerStorage module (out/PeerStorage, found by the shell on its own) driven through the shell.</summary>
public sealed class ModuleThroughShellTests
{
    [Fact]
    public void PeerNode_renders_with_its_default_table_view()
    {
        using var dir = new TempDirectory();
        var home = dir.Combine("node");

        var result = ShellProcess.Run("-Command", $"Initialize-PeerNode -NodePath '{home}' -Name alpha -Port 0 | Out-Null; Get-PeerNode -NodePath '{home}'");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(new Regex(@"^NodeId\s+Name\s+", RegexOptions.Multiline), result.StdOut);
        Assert.Matches(new Regex(@"^\S+\s+alpha\s+", RegexOptions.Multiline), result.StdOut);
        Assert.Equal(string.Empty, result.StdErr);
    }

    [Fact]
    public void WhatIf_prints_what_would_happen_and_creates_nothing()
    {
        using var dir = new TempDirectory();
        var home = dir.Combine("never-created");

        var result = ShellProcess.Run("-Command", $"Initialize-PeerNode -NodePath '{home}' -Name alpha -Port 0 -WhatIf");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("What if: ", result.StdOut);
        Assert.Contains(home, result.StdOut);
        Assert.False(Directory.Exists(home), "-WhatIf created the node home");
    }

    [Fact]
    public void A_module_error_under_ErrorActionPreference_Stop_fails_the_script()
    {
        using var dir = new TempDirectory();
        var script = dir.Script("strict.ps1", $"""
            $ErrorActionPreference = 'Stop'
            Get-PeerNode -NodePath '{dir.Path}'
            'not reached'
            """);

        var result = ShellProcess.Run(script);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Get-PeerNode: ", result.StdErr);
        Assert.Contains(dir.Path, result.StdErr);
        Assert.DoesNotContain("not reached", result.StdOut);
    }

    [Fact]
    public void A_confirmation_prompt_without_a_terminal_fails_the_cmdlet_and_changes_nothing()
    {
        using var dir = new TempDirectory();
        var home = dir.Combine("node");

        var result = ShellProcess.Run("-Command", $"Initialize-PeerNode -NodePath '{home}' -Name alpha -Port 0 | Out-Null; Remove-PeerNode -NodePath '{home}'");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("standard input is not a terminal", result.StdErr);
        Assert.True(Directory.Exists(home), "the node home was removed without confirmation");
    }

    [Theory]
    [InlineData("-ErrorView", "Normal", null)]
    [InlineData(null, null, "Detailed")]
    public void The_error_id_is_shown_on_request(string? option, string? view, string? environmentView)
    {
        using var dir = new TempDirectory();
        string[] args = option is null
            ? ["-Command", $"Get-PeerNode -NodePath '{dir.Path}'"]
            : [option, view!, "-Command", $"Get-PeerNode -NodePath '{dir.Path}'"];
        var environment = new Dictionary<string, string?> { ["PEERSTORAGE_SHELL_ERRORVIEW"] = environmentView };

        var result = ShellProcess.Run(args, environment);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("FullyQualifiedErrorId : NodeHomeNotFound", result.StdErr);
    }

    [Fact]
    public void The_concise_view_leaves_the_error_id_out()
    {
        using var dir = new TempDirectory();

        var result = ShellProcess.Run("-Command", $"Get-PeerNode -NodePath '{dir.Path}'");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.StartsWith("Get-PeerNode: ", result.StdErr);
        Assert.DoesNotContain("FullyQualifiedErrorId", result.StdErr);
    }

    [Fact]
    public void Module_accepts_the_module_folder_and_NoModule_skips_it()
    {
        var folder = Path.Combine(ShellProcess.RepositoryRoot, "out", "PeerStorage");

        var imported = ShellProcess.Run("-Module", folder, "-Command", "(Get-Module PeerStorage).ModuleBase");
        var skipped = ShellProcess.Run("-NoModule", "-Command", "[bool](Get-Module PeerStorage)");

        Assert.True(imported.ExitCode == 0, imported.ToString());
        Assert.Contains(folder.TrimEnd(Path.DirectorySeparatorChar), imported.StdOut);
        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.Contains("False", skipped.StdOut);
    }

    [Fact]
    public void A_module_path_that_does_not_exist_is_a_bad_command_line()
    {
        var environment = new Dictionary<string, string?> { ["PEERSTORAGE_MODULE"] = "/no/such/module/folder" };

        var result = ShellProcess.Run(["-Command", "1"], environment);

        Assert.True(result.ExitCode == 64, result.ToString());
        Assert.Contains("PEERSTORAGE_MODULE", result.StdErr);
    }

    [Fact]
    public void Quickstart_example_runs_green()
    {
        var quickstart = Path.Combine(ShellProcess.RepositoryRoot, "examples", "Quickstart.ps1");

        var result = ShellProcess.Run([quickstart], environment: null, timeout: TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdErr);
        Assert.Matches(new Regex(@"^\S+\s+quickstart\s+Running\s+", RegexOptions.Multiline), result.StdOut);
        Assert.Contains("PeerStorageJob", result.StdOut);
        Assert.Contains("Removed ", result.StdOut);
    }

    [Fact]
    public void Leased_storage_example_runs_green()
    {
        var example = Path.Combine(ShellProcess.RepositoryRoot, "examples", "LeasedStorage.ps1");

        var result = ShellProcess.Run([example], environment: null, timeout: TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdErr);
        Assert.Contains("identical (SHA-256)", result.StdOut);
        Assert.Matches(new Regex(@"^\S+\s+Hosted\s+.*\sReleased\s", RegexOptions.Multiline), result.StdOut);
        Assert.Contains("Removed ", result.StdOut);
    }
}
