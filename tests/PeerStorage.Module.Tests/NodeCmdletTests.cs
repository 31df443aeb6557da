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

    [Fact]
    public void Initialize_creates_a_node_that_Get_returns()
    {
        var created = _ps.Run("Initialize-PeerNode -NodePath $args[0] -Name lab-pc-07 -Port 0", _home.Path);
        Assert.Null(created.Terminating);
        Assert.Empty(created.Errors);
        var node = created.Single<PSObject>();
        Assert.Equal("PeerStorage.PeerNode", created.Output[0].BaseObject.GetType().FullName);

        var got = _ps.Run("Get-PeerNode -NodePath $args[0]", _home.Path);
        Assert.Empty(got.Errors);
        dynamic gotNode = got.Output[0];
        Assert.Equal("lab-pc-07", (string)gotNode.Name);
        Assert.Equal("Stopped", gotNode.State.ToString());
        Assert.Equal(63, ((string)gotNode.NodeId).Length);
    }
}
