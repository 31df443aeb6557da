using PeerStorage.Agent.Tests.Infrastructure;

namespace PeerStorage.Agent.Tests;

/// <summary>A node that cannot start ends the agent at once with a distinct exit code and a message that says why.</summary>
public sealed class StartFailureTests
{
    [Fact]
    public async Task A_missing_node_home_exits_3_and_says_how_to_create_it()
    {
        using var home = TempNodeHome.Missing();
        using var agent = AgentProcess.Start(["--NodePath", home.Path]);

        var exitCode = await agent.WaitForExitAsync(AgentProcess.StartTimeout);

        Assert.Equal(3, exitCode);
        Assert.Contains($"No node home at '{home.Path}'", agent.StandardError);
        Assert.Contains("--Initialize", agent.StandardError);
        Assert.False(home.IsInitialized); // nothing is created without --Initialize
    }

    [Fact]
    public async Task A_port_in_use_exits_4_and_leaves_a_failed_run_record()
    {
        using var home = TempNodeHome.Create("alpha");
        using var taken = FreePort.Occupy();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        using var agent = AgentProcess.Start(["--NodePath", home.Path, "--Port", port.ToString()]);

        var exitCode = await agent.WaitForExitAsync(AgentProcess.StartTimeout);

        Assert.Equal(4, exitCode);
        Assert.Contains($"cannot listen on port {port}", agent.StandardError);
        Assert.Null(home.RuntimeRecord());
        var run = Assert.Single(home.NodeRuns());
        Assert.Equal(PeerJobState.Failed, run.State);
        Assert.Contains($"port {port}", run.Error);
    }

    [Fact]
    public async Task A_node_home_already_run_by_another_agent_is_refused_and_the_first_keeps_running()
    {
        using var home = TempNodeHome.Create("alpha");
        var port = FreePort.Pick();
        using var first = AgentProcess.Start(["--NodePath", home.Path, "--Port", port.ToString()]);
        await first.WaitForPingAsync(port);

        using var second = AgentProcess.Start(["--NodePath", home.Path, "--Port", FreePort.Pick().ToString()]);
        var exitCode = await second.WaitForExitAsync(AgentProcess.StartTimeout);

        Assert.Equal(5, exitCode);
        Assert.Contains("already runs", second.StandardError);
        Assert.Equal(home.NodeId, (await AgentProcess.PingOnceAsync(port)).NodeId);
        Assert.Equal(first.AgentProcessId, home.RuntimeRecord()?.ProcessId);
        Assert.Equal(0, await first.StopAsync());
    }
}
