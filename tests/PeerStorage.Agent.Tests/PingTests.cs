using PeerStorage.Agent.Tests.Infrastructure;

namespace PeerStorage.Agent.Tests;

/// <summary>The agent runs the node: it answers the engine's ping on the configured port with the node's identity.</summary>
public sealed class PingTests
{
    [Fact]
    public async Task Answers_a_ping_with_the_node_id_and_name_on_the_configured_port()
    {
        using var home = TempNodeHome.Create("alpha");
        var port = FreePort.Pick();
        using var agent = AgentProcess.Start(["--NodePath", home.Path, "--Port", port.ToString()]);

        var reply = await agent.WaitForPingAsync(port);

        Assert.Equal(home.NodeId, reply.NodeId);
        Assert.Equal("alpha", reply.Name);
        var runtime = home.RuntimeRecord();
        Assert.NotNull(runtime);
        Assert.Equal(agent.AgentProcessId, runtime.ProcessId);
        Assert.Equal(port, runtime.Port);
        Assert.Equal(0, await agent.StopAsync());
    }

    [Fact]
    public async Task Initialize_creates_a_missing_node_home_and_runs_it()
    {
        using var home = TempNodeHome.Missing();
        var port = FreePort.Pick();
        using var agent = AgentProcess.Start(["--NodePath", home.Path, "--Initialize", "--Name", "beta", "--Port", port.ToString()]);

        var reply = await agent.WaitForPingAsync(port);

        Assert.True(home.IsInitialized);
        Assert.Equal("beta", reply.Name);
        Assert.False(string.IsNullOrEmpty(reply.NodeId));
        Assert.Equal(0, await agent.StopAsync());

        // The home is a real one: a second start without --Initialize runs the same node.
        using var again = AgentProcess.Start(["--NodePath", home.Path]);
        var second = await again.WaitForPingAsync(port);
        Assert.Equal(reply.NodeId, second.NodeId);
        Assert.Equal("beta", second.Name);
        Assert.Equal(0, await again.StopAsync());
    }

    [Fact]
    public async Task Initialize_keeps_an_existing_node_home()
    {
        using var home = TempNodeHome.Create("gamma");
        var port = FreePort.Pick();
        using var agent = AgentProcess.Start(["--NodePath", home.Path, "--Initialize", "--Port", port.ToString()]);

        var reply = await agent.WaitForPingAsync(port);

        Assert.Equal(home.NodeId, reply.NodeId);
        Assert.Equal("gamma", reply.Name);
        Assert.Equal(0, await agent.StopAsync());
    }
}
