using System.Management.Automation;

namespace PeerStorage.Module.Tests;

public sealed class NodeCmdletTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly TempNodeHome _home = new();

    public void Dispose()
    {
        _ps.Dispose();
        _home.Dispose();
    }

    private PSObject Initialize(string name = "lab-pc-07")
    {
        var created = _ps.Run("Initialize-PeerNode -NodePath $args[0] -Name $args[1] -Port 0", _home.Path, name);
        Assert.Null(created.Terminating);
        Assert.Empty(created.Errors);
        return Assert.Single(created.Output);
    }

    [Fact]
    public void Initialize_creates_a_node_that_Get_returns_with_the_same_identity()
    {
        var created = Initialize();
        Assert.Equal("PeerStorage.PeerNode", created.TypeName());

        var got = _ps.Run("Get-PeerNode -NodePath $args[0]", _home.Path);
        Assert.Empty(got.Errors);
        var node = Assert.Single(got.Output);
        Assert.Equal(created.Str("NodeId"), node.Str("NodeId"));
        Assert.Equal("lab-pc-07", node.Str("Name"));
        Assert.Equal("Stopped", node.Str("State"));
        Assert.Equal(_home.Path, node.Str("NodePath"));
        Assert.Matches("^([A-Z2-7]{7}-){7}[A-Z2-7]{7}$", node.Str("NodeId"));
        Assert.NotEmpty(node.Prop<string[]>("Addresses"));
        Assert.Equal("0.1.0", node.Str("Version"));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_home.Path, "identity", "node.key")));
    }

    [Fact]
    public void Reinitializing_without_Force_is_an_error_record_and_keeps_the_identity()
    {
        var first = Initialize().Str("NodeId");
        var again = _ps.Run("Initialize-PeerNode -NodePath $args[0]", _home.Path);
        var error = Assert.Single(again.Errors);
        Assert.Equal("NodeHomeExists,PeerStorage.PowerShell.Node.InitializePeerNodeCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Empty(again.Output);
        Assert.Equal(first, Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", _home.Path).Output).Str("NodeId"));
    }

    [Fact]
    public void Initialize_Force_replaces_the_identity_and_keeps_the_old_one()
    {
        var first = Initialize().Str("NodeId");
        var replaced = _ps.Run("Initialize-PeerNode -NodePath $args[0] -Force -Confirm:$false", _home.Path);
        Assert.Empty(replaced.Errors);
        var second = Assert.Single(replaced.Output).Str("NodeId");
        Assert.NotEqual(first, second);
        Assert.Single(Directory.GetDirectories(Path.Combine(_home.Path, "identity", "retired")));
        Assert.Equal("lab-pc-07", Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", _home.Path).Output).Str("Name"));
    }

    [Fact]
    public void WhatIf_changes_nothing()
    {
        var whatIf = _ps.Run("Initialize-PeerNode -NodePath $args[0] -WhatIf", _home.Path);
        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        Assert.False(Directory.Exists(_home.Path));

        Initialize();
        _ps.Run("Set-PeerNode -NodePath $args[0] -Name other -WhatIf", _home.Path);
        _ps.Run("Remove-PeerNode -NodePath $args[0] -Force -WhatIf", _home.Path);
        _ps.Run("Initialize-PeerNode -NodePath $args[0] -Force -WhatIf", _home.Path);
        var node = Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", _home.Path).Output);
        Assert.Equal("lab-pc-07", node.Str("Name"));
        Assert.False(Directory.Exists(Path.Combine(_home.Path, "identity", "retired")));
    }

    [Fact]
    public void A_missing_node_home_is_an_ObjectNotFound_error_that_try_catch_and_ErrorAction_see()
    {
        var result = _ps.Run("Get-PeerNode -NodePath $args[0]", _home.Path);
        var error = Assert.Single(result.Errors);
        Assert.Equal("NodeHomeNotFound,PeerStorage.PowerShell.Node.GetPeerNodeCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(_home.Path, error.TargetObject);
        Assert.Empty(result.Warnings);

        var caught = _ps.Run("try { Get-PeerNode -NodePath $args[0] -ErrorAction Stop; 'not reached' } catch { $_.FullyQualifiedErrorId }", _home.Path);
        Assert.Equal("NodeHomeNotFound,PeerStorage.PowerShell.Node.GetPeerNodeCommand", Assert.Single(caught.Output).ToString());
    }

    [Fact]
    public void Objects_pipe_by_property_name_and_filter_with_Where_Object()
    {
        Initialize();
        var renamed = _ps.Run("Get-PeerNode -NodePath $args[0] | Set-PeerNode -Name renamed -PassThru", _home.Path);
        Assert.Empty(renamed.Errors);
        Assert.Equal("renamed", Assert.Single(renamed.Output).Str("Name"));

        var stopped = _ps.Run("Get-PeerNode -NodePath $args[0] | Where-Object State -eq 'Stopped' | ForEach-Object Name", _home.Path);
        Assert.Equal("renamed", Assert.Single(stopped.Output).ToString());
        Assert.Empty(_ps.Run("Get-PeerNode -NodePath $args[0] | Where-Object State -eq 'Running'", _home.Path).Output);
    }

    [Fact]
    public void Set_PeerNode_validates_its_arguments()
    {
        Initialize();
        var result = _ps.Run("Set-PeerNode -NodePath $args[0] -Port 70000", _home.Path);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ParameterArgumentValidationError", error.FullyQualifiedErrorId);
        Assert.Equal("0", Assert.Single(_ps.Run("(Get-PeerNode -NodePath $args[0]).Port", _home.Path).Output).ToString());
    }

    [Fact]
    public void Remove_PeerNode_deletes_the_home()
    {
        Initialize();
        var removed = _ps.Run("Remove-PeerNode -NodePath $args[0] -Force -Confirm:$false", _home.Path);
        Assert.Empty(removed.Errors);
        Assert.False(Directory.Exists(_home.Path));
    }

    [Fact]
    public void Test_PeerNode_passes_every_check_on_a_fresh_home_and_reports_a_loose_key()
    {
        Initialize();
        var result = _ps.Run("Test-PeerNode -NodePath $args[0]", _home.Path);
        Assert.Empty(result.Errors);
        Assert.Equal(["Identity", "KeyPermissions", "StateDatabase", "Log", "Port"], result.Output.Select(o => o.Str("Check")));
        Assert.All(result.Output, o => Assert.True(o.Prop<bool>("Passed"), o.Str("Detail")));
        Assert.Contains(result.Progress, p => p.RecordType == ProgressRecordType.Completed);

        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(Path.Combine(_home.Path, "identity", "node.key"), (UnixFileMode)Convert.ToInt32("644", 8));
        var loose = _ps.Run("Test-PeerNode -NodePath $args[0]", _home.Path);
        var error = Assert.Single(loose.Errors);
        Assert.Equal("NodeCheckFailed,PeerStorage.PowerShell.Node.TestPeerNodeCommand", error.FullyQualifiedErrorId);
        Assert.False(loose.Output.Single(o => o.Str("Check") == "KeyPermissions").Prop<bool>("Passed"));
    }

    [Fact]
    public void Every_health_check_run_leaves_a_record_that_Get_PeerJob_lists()
    {
        Initialize();
        _ps.Run("Test-PeerNode -NodePath $args[0]", _home.Path);
        _ps.Run("Test-PeerNode -NodePath $args[0]", _home.Path);
        var records = _ps.Run("Get-PeerJob -NodePath $args[0] -Kind NodeHealthCheck", _home.Path);
        Assert.Empty(records.Errors);
        Assert.Equal(2, records.Output.Count);
        Assert.All(records.Output, r =>
        {
            Assert.Equal("PeerStorage.PeerJobRecord", r.TypeName());
            Assert.Equal("Completed", r.Str("State"));
        });
        var missing = _ps.Run("Get-PeerJob -NodePath $args[0] -Id 999", _home.Path);
        Assert.Equal("PeerJobNotFound,PeerStorage.PowerShell.Node.GetPeerJobCommand", Assert.Single(missing.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void Verbose_engine_messages_follow_the_preference_variable()
    {
        var quiet = _ps.Run("Initialize-PeerNode -NodePath $args[0] -Port 0", _home.Path);
        Assert.Empty(quiet.Verbose);
        Assert.Contains(quiet.Information, i => i.MessageData.ToString()!.Contains("Initialized node"));
        var chatty = _ps.Run("Initialize-PeerNode -NodePath $args[0] -Port 0 -Force -Confirm:$false -Verbose", _home.Path);
        Assert.NotEmpty(chatty.Verbose);
        Assert.Contains(chatty.Warnings, w => w.Message.Contains("Replaced the node identity"));
    }
}
