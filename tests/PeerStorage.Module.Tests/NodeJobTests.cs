using System.Buffers.Binary;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net.Sockets;
using System.Text;

namespace PeerStorage.Module.Tests;

public sealed class NodeJobTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly TempNodeHome _home = new();

    public NodeJobTests()
    {
        var created = _ps.Run("Initialize-PeerNode -NodePath $args[0] -Name jobber -Port 0", _home.Path);
        Assert.Empty(created.Errors);
    }

    public void Dispose()
    {
        _ps.Run("Get-Job | Stop-Job; Get-Job | Remove-Job -Force");
        _ps.Dispose();
        _home.Dispose();
    }

    /// <summary>The node's ping, spoken on the wire from outside the module: "PSPING"+version, answered by "PSPONG".</summary>
    internal static string PingName(int port)
    {
        using var client = new TcpClient();
        client.Connect("127.0.0.1", port);
        var stream = client.GetStream();
        stream.ReadTimeout = 5000;
        stream.Write([.. "PSPING"u8, 0, 1]);
        var header = new byte[10];
        stream.ReadExactly(header);
        Assert.Equal("PSPONG", Encoding.ASCII.GetString(header, 0, 6));
        var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(8))];
        stream.ReadExactly(body);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.GetProperty("name").GetString()!;
    }

    private PSObject Node() => Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", _home.Path).Output);

    private static void Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("Timed out waiting until " + what);
            Thread.Sleep(100);
        }
    }

    [Fact]
    public void Start_returns_a_job_the_job_cmdlets_find_and_Stop_ends_it()
    {
        var started = _ps.Run("Start-PeerNode -NodePath $args[0]", _home.Path);
        Assert.Empty(started.Errors);
        var job = Assert.Single(started.Output);
        Assert.IsAssignableFrom<Job>(job.BaseObject);
        Assert.Equal("PeerStorageJob", job.Str("PSJobTypeName"));

        var found = _ps.Run("Get-Job -Id $args[0] | ForEach-Object { $_.State.ToString() }", job.Prop<int>("Id"));
        Assert.Equal("Running", Assert.Single(found.Output).ToString());

        var node = Node();
        Assert.Equal("Running", node.Str("State"));
        var port = node.Prop<int>("Port");
        Assert.NotEqual(0, port);
        Assert.Equal("jobber", PingName(port));

        var running = _ps.Run("Receive-Job -Id $args[0] -Keep", job.Prop<int>("Id"));
        Assert.Equal("Running", Assert.Single(running.Output).Str("State")); // the node the job reports

        var stopped = _ps.Run("Stop-PeerNode -NodePath $args[0] -PassThru", _home.Path);
        Assert.Empty(stopped.Errors);
        Assert.Equal("Stopped", Assert.Single(stopped.Output).Str("State"));
        Assert.Equal("Stopped", Assert.Single(_ps.Run("(Get-Job -Id $args[0]).State", job.Prop<int>("Id")).Output).ToString());
        Assert.Throws<SocketException>(() => PingName(port));

        var record = Assert.Single(_ps.Run("Get-PeerJob -NodePath $args[0] -Kind PeerNode", _home.Path).Output);
        Assert.Equal("Stopped", record.Str("State"));
        Assert.NotNull(record.Properties["Ended"].Value);

        _ps.Run("Remove-Job -Id $args[0]", job.Prop<int>("Id"));
        Assert.Empty(_ps.Run("Get-Job").Output);
    }

    [Fact]
    public void Starting_a_running_node_again_is_an_error()
    {
        _ps.Run("Start-PeerNode -NodePath $args[0]", _home.Path);
        var again = _ps.Run("Start-PeerNode -NodePath $args[0]", _home.Path);
        Assert.Equal("NodeAlreadyRunning,PeerStorage.PowerShell.Node.StartPeerNodeCommand", Assert.Single(again.Errors).FullyQualifiedErrorId);
        Assert.Empty(again.Output);
        Assert.Single(_ps.Run("Get-Job").Output);
    }

    [Fact]
    public void A_running_node_cannot_be_removed_or_reinitialized()
    {
        _ps.Run("Start-PeerNode -NodePath $args[0]", _home.Path);
        var id = Node().Str("NodeId");
        var removed = _ps.Run("Remove-PeerNode -NodePath $args[0] -Force -Confirm:$false", _home.Path);
        Assert.Equal("NodeAlreadyRunning,PeerStorage.PowerShell.Node.RemovePeerNodeCommand", Assert.Single(removed.Errors).FullyQualifiedErrorId);
        var replaced = _ps.Run("Initialize-PeerNode -NodePath $args[0] -Force -Confirm:$false", _home.Path);
        Assert.Equal("NodeAlreadyRunning,PeerStorage.PowerShell.Node.InitializePeerNodeCommand", Assert.Single(replaced.Errors).FullyQualifiedErrorId);
        var node = Node();
        Assert.Equal(id, node.Str("NodeId"));
        Assert.Equal("Running", node.Str("State"));
    }

    [Fact]
    public void Stop_Job_stops_the_node()
    {
        var job = Assert.Single(_ps.Run("Start-PeerNode -NodePath $args[0]", _home.Path).Output);
        _ps.Run("Stop-Job -Id $args[0]", job.Prop<int>("Id"));
        Assert.Equal("Stopped", Node().Str("State"));
        Assert.Equal(JobState.Stopped, ((Job)job.BaseObject).JobStateInfo.State);
    }

    [Fact]
    public void A_rename_reaches_the_running_node()
    {
        _ps.Run("Start-PeerNode -NodePath $args[0]", _home.Path);
        var port = Node().Prop<int>("Port");
        _ps.Run("Set-PeerNode -NodePath $args[0] -Name renamed", _home.Path);
        Eventually(() => PingName(port) == "renamed", "the node answers with its new name");
    }

    [Fact]
    public void Closing_the_runspace_stops_its_node_job()
    {
        var other = new PowerShellSession();
        var started = other.Run("Start-PeerNode -NodePath $args[0]", _home.Path);
        Assert.Empty(started.Errors);
        Assert.Equal("Running", Node().Str("State"));
        other.Dispose();
        Eventually(() => Node().Str("State") == "Stopped", "the node stops with its runspace");
    }

    /// <summary>
    /// Test-PeerNode -AsJob on a node whose process hangs: the run waits in its port check for a ping answer that does
    /// not come (up to the ping's 5 s timeout, then it would complete with a failed Port check). Returns the job once it
    /// waits there, after the four checks before it.
    /// </summary>
    private Job HealthCheckStuckOnHungNode(PowerShellSession session)
    {
        var job = (Job)Assert.Single(session.Run("Test-PeerNode -NodePath $args[0] -AsJob", _home.Path).Output).BaseObject;
        Eventually(() => job.Output.Count == 4, "the job's run reaches the port check");
        Assert.Equal(JobState.Running, job.JobStateInfo.State);
        return job;
    }

    private PSObject HealthCheckRecord() =>
        Assert.Single(_ps.Run("Get-PeerJob -NodePath $args[0] -Kind NodeHealthCheck", _home.Path).Output);

    private HungNode StartHungNode() => HungNode.Start(_home.Path, port =>
    {
        var node = Node();
        return node.Str("State") == "Running" && node.Prop<int>("Port") == port;
    });

    [LinuxFact]
    public void Stop_Job_cancels_a_running_Test_PeerNode_job()
    {
        using var hung = StartHungNode();
        var job = HealthCheckStuckOnHungNode(_ps);

        var clock = Stopwatch.StartNew();
        var stopped = _ps.Run("Stop-Job -Id $args[0] -PassThru", job.Id);
        clock.Stop();

        Assert.Empty(stopped.Errors);
        Assert.Equal(JobState.Stopped, job.JobStateInfo.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"Stop-Job took {clock.Elapsed}: the run was not cancelled, it waited for the ping to time out");
        var received = _ps.Run("Receive-Job -Id $args[0]", job.Id);
        Assert.Equal(["Identity", "KeyPermissions", "StateDatabase", "Log"], received.Output.Select(o => o.Str("Check"))); // the port check never ended
        var record = HealthCheckRecord();
        Assert.Equal("Stopped", record.Str("State"));
        Assert.NotNull(record.Properties["Ended"].Value);
    }

    [LinuxFact]
    public void Closing_the_runspace_cancels_its_running_Test_PeerNode_job()
    {
        using var hung = StartHungNode();
        var other = new PowerShellSession();
        Job job;
        try
        {
            job = HealthCheckStuckOnHungNode(other);
        }
        finally
        {
            other.Dispose();
        }
        var clock = Stopwatch.StartNew();
        Eventually(() => HealthCheckRecord().Str("State") != "Running", "the run ends with its runspace");
        clock.Stop();

        Assert.Equal("Stopped", HealthCheckRecord().Str("State")); // not Completed: the port check was cut off, not timed out
        Assert.Equal(JobState.Stopped, job.JobStateInfo.State);
        Assert.Equal(4, job.Output.Count);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the run ended {clock.Elapsed} after the runspace closed");
    }

    [Fact]
    public void Test_PeerNode_AsJob_works_with_Wait_Receive_and_Remove_Job()
    {
        var job = Assert.Single(_ps.Run("Test-PeerNode -NodePath $args[0] -AsJob", _home.Path).Output);
        Assert.IsAssignableFrom<Job>(job.BaseObject);
        var received = _ps.Run("Wait-Job -Id $args[0] -Timeout 30 | Receive-Job", job.Prop<int>("Id"));
        Assert.Empty(received.Errors);
        Assert.Equal(["Identity", "KeyPermissions", "StateDatabase", "Log", "Port"], received.Output.Select(o => o.Str("Check")));
        Assert.Equal(JobState.Completed, ((Job)job.BaseObject).JobStateInfo.State);
        var record = Assert.Single(_ps.Run("$args[0] | Get-PeerJob", job).Output);
        Assert.Equal(job.Prop<long>("RunId"), record.Prop<long>("Id"));
        Assert.Equal("NodeHealthCheck", record.Str("Kind"));
        Assert.Equal(record.Prop<long>("Id"), Assert.Single(_ps.Run("$args[0] | Get-PeerJob -NodePath $args[1]", record, _home.Path).Output).Prop<long>("Id"));
        Assert.False(((Job)job.BaseObject).HasMoreData);
        _ps.Run("Remove-Job -Id $args[0]", job.Prop<int>("Id"));
        Assert.Empty(_ps.Run("Get-Job").Output);
    }

    [Fact]
    public void A_failed_check_in_a_job_comes_back_as_an_ErrorRecord()
    {
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(Path.Combine(_home.Path, "identity", "node.key"), (UnixFileMode)Convert.ToInt32("644", 8));
        var job = Assert.Single(_ps.Run("Test-PeerNode -NodePath $args[0] -AsJob", _home.Path).Output);
        var received = _ps.Run("Wait-Job -Id $args[0] -Timeout 30 | Receive-Job", job.Prop<int>("Id"));
        var error = Assert.Single(received.Errors);
        Assert.Equal("NodeCheckFailed", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(5, received.Output.Count);
    }

    [Fact]
    public void A_taken_port_is_reported_by_Start_PeerNode_itself()
    {
        var blocker = new TcpListener(System.Net.IPAddress.IPv6Any, 0);
        blocker.Server.DualMode = true;
        blocker.Start();
        try
        {
            var port = ((System.Net.IPEndPoint)blocker.LocalEndpoint).Port;
            _ps.Run("Set-PeerNode -NodePath $args[0] -Port $args[1]", _home.Path, port);
            var started = _ps.Run("Start-PeerNode -NodePath $args[0]", _home.Path);
            var error = Assert.Single(started.Errors);
            Assert.Equal("NodePortUnavailable,PeerStorage.PowerShell.Node.StartPeerNodeCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
            Assert.Empty(started.Output);
            Assert.Empty(_ps.Run("Get-Job").Output);
        }
        finally
        {
            blocker.Stop();
        }
    }
}
