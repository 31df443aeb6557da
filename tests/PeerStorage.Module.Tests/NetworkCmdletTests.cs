using System.Management.Automation;

namespace PeerStorage.Module.Tests;

/// <summary>Nodes running in one session (separate homes, real TLS sockets on loopback), driven by the cmdlets.</summary>
public sealed class NetworkCmdletTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly TempNodeHome _root = new();

    public NetworkCmdletTests() => Directory.CreateDirectory(_root.Path);

    public void Dispose()
    {
        _ps.Run("Get-Job | Stop-Job; Get-Job | Remove-Job -Force");
        _ps.Dispose();
        _root.Dispose();
    }

    private string Home(string name) => Path.Combine(_root.Path, name);
    private string FleetFile => Path.Combine(_root.Path, "lab.fleet");

    private PSObject StartNode(string name, bool fleet)
    {
        Assert.Empty(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Name $args[1] -Port 0", Home(name), name).Errors);
        if (fleet)
        {
            if (!File.Exists(FleetFile)) _ps.Run("New-PeerFleet -Name lab -Path $args[0]", FleetFile);
            Assert.Empty(_ps.Run("New-PeerCertificateRequest -NodePath $args[0] | Approve-PeerCertificateRequest -Fleet $args[1] | Install-PeerCertificate -NodePath $args[0]", Home(name), FleetFile).Errors);
        }
        Assert.Empty(_ps.Run("Start-PeerNode -NodePath $args[0]", Home(name)).Errors);
        return Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", Home(name)).Output);
    }

    [Fact]
    public void Pinned_peers_pass_Test_PeerConnection_and_an_untrusted_one_fails_with_an_error_record()
    {
        var a = StartNode("a", fleet: false);
        var b = StartNode("b", fleet: false);
        var address = $"127.0.0.1:{b.Prop<int>("Port")}";

        var refused = _ps.Run("Test-PeerConnection -NodePath $args[0] -NodeId $args[1] -Address $args[2]", Home("a"), b.Str("NodeId"), address);
        Assert.False(Assert.Single(refused.Output).Prop<bool>("Success"));
        Assert.StartsWith("PeerNotTrusted,", Assert.Single(refused.Errors).FullyQualifiedErrorId);

        _ps.Run("$args[1] | Add-PeerTrust -NodePath $args[0] -Address $args[2]", Home("a"), b, address);
        _ps.Run("$args[1] | Add-PeerTrust -NodePath $args[0]", Home("b"), a);
        var passed = _ps.Run("Get-PeerTrust -NodePath $args[0] | Test-PeerConnection -NodePath $args[0]", Home("a"));
        Assert.Empty(passed.Errors);
        var test = Assert.Single(passed.Output);
        Assert.True(test.Prop<bool>("Success"));
        Assert.Equal("b", test.Str("Name"));
        Assert.Equal("Pinned", test.Str("TrustedBy"));
        Assert.Equal("Tls13", test.Str("TlsProtocol"));
    }

    [Fact]
    public void A_node_beyond_the_link_is_resolved_through_the_directory()
    {
        Assert.Empty(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Name directory -Port 0", Home("directory")).Errors);
        _ps.Run("New-PeerFleet -Name lab -Path $args[0]", FleetFile);
        _ps.Run("New-PeerCertificateRequest -NodePath $args[0] | Approve-PeerCertificateRequest -Fleet $args[1] | Install-PeerCertificate -NodePath $args[0]", Home("directory"), FleetFile);
        var started = _ps.Run("Start-PeerDirectory -NodePath $args[0]", Home("directory"));
        Assert.Empty(started.Errors);
        Assert.IsAssignableFrom<Job>(Assert.Single(started.Output).BaseObject);
        var directoryPort = Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", Home("directory")).Output).Prop<int>("Port");

        var far = StartNode("far", fleet: true);
        StartNode("near", fleet: true);
        foreach (var n in new[] { "far", "near" })
            _ps.Run("Set-PeerNode -NodePath $args[0] -DirectoryAddress $args[1]", Home(n), $"127.0.0.1:{directoryPort}");

        PSObject? entry = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (entry is null && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(250);
            entry = _ps.Run("Get-PeerDirectoryEntry -NodePath $args[0] -Name far", Home("directory")).Output.FirstOrDefault();
        }
        Assert.NotNull(entry);
        Assert.Equal(far.Str("NodeId"), entry.Str("NodeId"));

        // Both nodes answer mDNS on this machine's loopback: a zero timeout skips the link, as if "far" were beyond it.
        var resolved = _ps.Run("Resolve-PeerNode -NodePath $args[0] -NodeId $args[1] -Timeout 0", Home("near"), far.Str("NodeId"));
        Assert.Empty(resolved.Errors);
        var info = Assert.Single(resolved.Output);
        Assert.Equal("Directory", info.Str("Source"));
        Assert.Equal(far.Prop<int>("Port"), info.Prop<int>("Port"));

        var test = _ps.Run("Test-PeerConnection -NodePath $args[0] -NodeId $args[1]", Home("near"), far.Str("NodeId"));
        Assert.Empty(test.Errors);
        Assert.Equal("Fleet", Assert.Single(test.Output).Str("TrustedBy"));

        var fromPeer = _ps.Run("Get-PeerDirectoryEntry -NodePath $args[0] -NodeId $args[1]", Home("near"), far.Str("NodeId"));
        Assert.Empty(fromPeer.Errors);
        Assert.Single(fromPeer.Output);

        _ps.Run("Stop-PeerDirectory -NodePath $args[0]", Home("directory"));
        var stopped = _ps.Run("Get-PeerDirectoryEntry -NodePath $args[0] -Name far", Home("near"));
        Assert.Contains("NotADirectory", Assert.Single(stopped.Errors).FullyQualifiedErrorId + Assert.Single(stopped.Errors).Exception.Message);
    }

    [Fact]
    public void An_unknown_node_is_not_found()
    {
        StartNode("a", fleet: false);
        var other = Assert.Single(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Port 0", Home("ghost")).Output).Str("NodeId");
        var result = _ps.Run("Resolve-PeerNode -NodePath $args[0] -NodeId $args[1] -Timeout 0:0:0.2", Home("a"), other);
        Assert.Equal("PeerNotFound,PeerStorage.PowerShell.Network.ResolvePeerNodeCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void Find_PeerNode_sees_running_nodes_on_the_link_and_pipes_into_Add_PeerTrust()
    {
        // The test runsettings keep mDNS on loopback, on a private port.
        var a = StartNode("a", fleet: false);
        var b = StartNode("b", fleet: false);
        PSObject? found = null;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (found is null && DateTime.UtcNow < deadline)
            found = _ps.Run("Find-PeerNode -NodePath $args[0] -Timeout 0:0:2", Home("a")).Output.FirstOrDefault(o => o.Str("NodeId") == b.Str("NodeId"));
        Assert.NotNull(found);
        Assert.Equal("b", found.Str("Name"));
        Assert.Equal(b.Prop<int>("Port"), found.Prop<int>("Port"));
        Assert.Equal("Mdns", found.Str("Source"));

        var trusted = _ps.Run("Find-PeerNode -NodePath $args[0] -Timeout 0:0:2 -Name b | Add-PeerTrust -NodePath $args[0]", Home("a"));
        Assert.Empty(trusted.Errors);
        Assert.Equal(b.Str("NodeId"), Assert.Single(trusted.Output).Str("NodeId"));
        Assert.Equal("Cache", Assert.Single(_ps.Run("Resolve-PeerNode -NodePath $args[0] -NodeId $args[1]", Home("a"), b.Str("NodeId")).Output).Str("Source") is var s && (s == "Cache" || s == "Configured") ? "Cache" : "unexpected");
    }
}
