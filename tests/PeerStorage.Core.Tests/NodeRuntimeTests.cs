using System.Net.Sockets;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Tests;

public sealed class NodeRuntimeTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly NodeHome _home;

    public NodeRuntimeTests() => _home = NodeHome.Initialize(_dir.Path, new NodeInitOptions("pinger", 0));

    public void Dispose()
    {
        _home.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_running_node_answers_a_ping_with_its_id_and_name_and_reports_running()
    {
        await using var runtime = await NodeRuntime.StartAsync(_home);
        var reply = await Ping.SendAsync("127.0.0.1", runtime.Port, CancellationToken.None);
        Assert.Equal(_home.NodeId.ToString(), reply.NodeId);
        Assert.Equal("pinger", reply.Name);
        var node = _home.Describe();
        Assert.Equal(PeerNodeState.Running, node.State);
        Assert.Equal(runtime.Port, node.Port);
        Assert.Equal(Environment.ProcessId, node.ProcessId);

        await runtime.StopAsync();
        Assert.Equal(PeerNodeState.Stopped, _home.Describe().State);
        await Assert.ThrowsAsync<PeerStorageException>(() => Ping.SendAsync("127.0.0.1", runtime.Port, CancellationToken.None));
    }

    [Fact]
    public async Task A_second_start_of_the_same_home_is_refused()
    {
        await using var runtime = await NodeRuntime.StartAsync(_home);
        using var again = NodeHome.Open(_dir.Path);
        var e = await Assert.ThrowsAsync<PeerStorageException>(() => NodeRuntime.StartAsync(again));
        Assert.Equal("NodeAlreadyRunning", e.ErrorId);
    }

    [Fact]
    public async Task A_taken_port_is_a_clear_error()
    {
        var blocker = new TcpListener(System.Net.IPAddress.IPv6Any, 0);
        blocker.Server.DualMode = true;
        blocker.Start();
        try
        {
            _home.Settings.Set(SettingKeys.Port, ((System.Net.IPEndPoint)blocker.LocalEndpoint).Port.ToString());
            var e = await Assert.ThrowsAsync<PeerStorageException>(() => NodeRuntime.StartAsync(_home));
            Assert.Equal("NodePortUnavailable", e.ErrorId);
            Assert.Equal(PeerNodeState.Stopped, _home.Describe().State);
        }
        finally
        {
            blocker.Stop();
        }
    }

    [Fact]
    public async Task A_rename_by_another_process_is_answered_within_seconds()
    {
        await using var runtime = await NodeRuntime.StartAsync(_home);
        using (var cmdletSide = NodeHome.Open(_dir.Path)) cmdletSide.Settings.Set(SettingKeys.Name, "renamed");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string name;
        do
        {
            await Task.Delay(200);
            name = (await Ping.SendAsync("127.0.0.1", runtime.Port, CancellationToken.None)).Name;
        } while (name != "renamed" && DateTime.UtcNow < deadline);
        Assert.Equal("renamed", name);
    }

    [Fact]
    public async Task Garbage_on_the_port_closes_that_connection_and_the_node_keeps_answering()
    {
        await using var runtime = await NodeRuntime.StartAsync(_home);
        var random = new Random(7);
        for (var i = 0; i < 30; i++)
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", runtime.Port);
            var junk = new byte[random.Next(0, 64)];
            random.NextBytes(junk);
            await client.GetStream().WriteAsync(junk);
        }
        var reply = await Ping.SendAsync("127.0.0.1", runtime.Port, CancellationToken.None);
        Assert.Equal(_home.NodeId.ToString(), reply.NodeId);
    }
}
