using System.Net.Sockets;
using System.Text;
using PeerStorage.Agent.Tests.Infrastructure;

namespace PeerStorage.Agent.Tests;

/// <summary>
/// Under systemd (Type=notify) the agent says READY=1 only once the node answers on its port, and STOPPING=1 on
/// SIGTERM. systemd is stood in for by a shell renamed "systemd" (what the hosting library checks for in the parent)
/// and a datagram socket named by NOTIFY_SOCKET, as systemd passes it.
/// </summary>
public sealed class SystemdTests : IDisposable
{
    private readonly TempNodeHome _home = TempNodeHome.Create("alpha");
    private readonly Socket _notify = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string _socketPath;
    private readonly string _fakeSystemd;

    public SystemdTests()
    {
        _socketPath = _home.FileBeside("notify.sock");
        _notify.Bind(new UnixDomainSocketEndPoint(_socketPath));
        _fakeSystemd = _home.FileBeside("systemd");
        File.Copy("/bin/bash", _fakeSystemd);
    }

    [Fact]
    public async Task Notifies_ready_once_the_node_answers_and_stopping_on_SIGTERM()
    {
        // Port 0: the node picks a free port and reports it in its runtime record, which Get-PeerNode reads.
        using var agent = await AgentProcess.StartUnderSystemdAsync(_fakeSystemd, ["--NodePath", _home.Path, "--Port", "0"],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = _socketPath });

        Assert.Equal("READY=1", await ReceiveAsync(agent));
        var runtime = _home.RuntimeRecord();
        Assert.NotNull(runtime);
        Assert.NotEqual(0, runtime.Port);
        var reply = await AgentProcess.PingOnceAsync(runtime.Port); // ready means it answers now, no retry
        Assert.Equal(_home.NodeId, reply.NodeId);

        agent.Signal(Signals.SIGTERM);
        Assert.Equal("STOPPING=1", await ReceiveAsync(agent));
        Assert.Equal(0, await agent.WaitForExitAsync(AgentProcess.StopTimeout));
        Assert.Null(_home.RuntimeRecord());
        Assert.Contains("<6>", agent.StandardError); // journald priority prefixes: the log is formatted for the journal
    }

    private async Task<string> ReceiveAsync(AgentProcess agent)
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(AgentProcess.StartTimeout);
        try
        {
            var count = await _notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, count);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No systemd notification within {AgentProcess.StartTimeout.TotalSeconds:0} s.\n{agent.Describe()}");
        }
    }

    public void Dispose()
    {
        _notify.Dispose();
        _home.Dispose();
    }
}
