using PeerStorage.Agent.Tests.Infrastructure;

namespace PeerStorage.Agent.Tests;

/// <summary>A service manager's SIGTERM and a terminal's Ctrl+C stop the node cleanly, and the node home says so.</summary>
public sealed class ShutdownTests
{
    [SignalFact(Signals.SIGTERM)]
    public Task SIGTERM_exits_zero_releases_the_node_and_records_the_run() =>
        A_stop_signal_exits_zero_releases_the_node_and_records_the_run(Signals.SIGTERM);

    [SignalFact(Signals.SIGINT)]
    public Task SIGINT_exits_zero_releases_the_node_and_records_the_run() =>
        A_stop_signal_exits_zero_releases_the_node_and_records_the_run(Signals.SIGINT);

    private static async Task A_stop_signal_exits_zero_releases_the_node_and_records_the_run(int signal)
    {
        using var home = TempNodeHome.Create("alpha");
        var port = FreePort.Pick();
        using var agent = AgentProcess.Start(["--NodePath", home.Path, "--Port", port.ToString()]);
        await agent.WaitForPingAsync(port);

        var exitCode = await agent.StopAsync(signal);

        Assert.True(exitCode == 0, $"exit code {exitCode}\n{agent.Describe()}");
        Assert.Null(home.RuntimeRecord());
        var run = Assert.Single(home.NodeRuns());
        Assert.Contains(run.State, new[] { PeerJobState.Completed, PeerJobState.Stopped });
        Assert.NotNull(run.Ended);
        Assert.Equal(agent.AgentProcessId, run.ProcessId);
        Assert.Null(run.Error);
        await Assert.ThrowsAsync<PeerStorageException>(() => AgentProcess.PingOnceAsync(port)); // nothing listens any more
    }

    [Fact]
    public async Task Each_agent_run_leaves_its_own_record()
    {
        using var home = TempNodeHome.Create("alpha");
        var port = FreePort.Pick();
        for (var i = 0; i < 2; i++)
        {
            using var agent = AgentProcess.Start(["--NodePath", home.Path, "--Port", port.ToString()]);
            await agent.WaitForPingAsync(port);
            Assert.Equal(0, await agent.StopAsync());
        }

        var runs = home.NodeRuns();
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.Equal(PeerJobState.Stopped, r.State));
    }
}
