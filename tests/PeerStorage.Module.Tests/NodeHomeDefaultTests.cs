namespace PeerStorage.Module.Tests;

/// <summary>$env:PEERSTORAGE_HOME is process-wide: these tests run alone (see the collection definition).</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

[Collection(nameof(ProcessEnvironment))]
public sealed class NodeHomeDefaultTests
{
    [Fact]
    public void Without_NodePath_the_cmdlets_use_PEERSTORAGE_HOME()
    {
        using var ps = new PowerShellSession();
        using var home = new TempNodeHome();
        var previous = Environment.GetEnvironmentVariable("PEERSTORAGE_HOME");
        try
        {
            var result = ps.Run("$env:PEERSTORAGE_HOME = $args[0]; Initialize-PeerNode -Name from-env -Port 0 | Out-Null; Get-PeerNode", home.Path);
            Assert.Empty(result.Errors);
            var node = Assert.Single(result.Output);
            Assert.Equal(home.Path, node.Str("NodePath"));
            Assert.Equal("from-env", node.Str("Name"));
            Assert.True(File.Exists(Path.Combine(home.Path, "identity", "node.key")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PEERSTORAGE_HOME", previous);
        }
    }

    [Fact]
    public void A_relative_NodePath_is_resolved_against_the_current_location()
    {
        using var ps = new PowerShellSession();
        using var home = new TempNodeHome();
        Directory.CreateDirectory(home.Path);
        var result = ps.Run("$ExecutionContext.SessionState.Path.SetLocation($args[0]) | Out-Null; Initialize-PeerNode -NodePath ./node -Port 0", home.Path);
        Assert.Empty(result.Errors);
        Assert.Equal(Path.Combine(home.Path, "node"), Assert.Single(result.Output).Str("NodePath"));
    }
}
