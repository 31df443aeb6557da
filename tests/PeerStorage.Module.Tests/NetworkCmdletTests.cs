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

        // Add-PeerTrust took the Addresses and Port that Find-PeerNode's object carries (by property name), and the
        // resolver answers from what the admin configured before it looks at the cache: Configured, every time.
        var pinned = Assert.Single(_ps.Run("Resolve-PeerNode -NodePath $args[0] -NodeId $args[1]", Home("a"), b.Str("NodeId")).Output);
        Assert.Equal("Configured", pinned.Str("Source"));
        Assert.Equal(b.Prop<int>("Port"), pinned.Prop<int>("Port"));
        Assert.Contains("127.0.0.1", pinned.Prop<string[]>("Addresses"));

        // A pin without addresses leaves the answer to the cache, which Find-PeerNode filled: Cache, every time.
        Assert.Empty(_ps.Run("Remove-PeerTrust -NodePath $args[0] -NodeId $args[1]; Add-PeerTrust -NodePath $args[0] -NodeId $args[1] | Out-Null", Home("a"), b.Str("NodeId")).Errors);
        var cached = Assert.Single(_ps.Run("Resolve-PeerNode -NodePath $args[0] -NodeId $args[1] -Timeout 0", Home("a"), b.Str("NodeId")).Output);
        Assert.Equal("Cache", cached.Str("Source"));
        Assert.Equal(b.Prop<int>("Port"), cached.Prop<int>("Port"));
    }

    [Fact]
    public void Resolve_PeerNode_finds_a_peer_by_mDNS_when_neither_a_pin_nor_the_cache_knows_it_and_caches_it()
    {
        var a = StartNode("a", fleet: false);
        var b = StartNode("b", fleet: false);
        Assert.Empty(_ps.Run("Get-PeerTrust -NodePath $args[0]", Home("a")).Output);
        // A fresh home has an empty cache: a zero timeout (no link) finds nothing.
        var before = _ps.Run("Resolve-PeerNode -NodePath $args[0] -NodeId $args[1] -Timeout 0", Home("a"), b.Str("NodeId"));
        Assert.StartsWith("PeerNotFound,", Assert.Single(before.Errors).FullyQualifiedErrorId);

        // The link (mDNS on loopback, see tests/test.runsettings). One browse may miss b while it is still announcing.
        PSObject? resolved = null;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (resolved is null && DateTime.UtcNow < deadline)
        {
            var attempt = _ps.Run("Resolve-PeerNode -NodePath $args[0] -NodeId $args[1] -Timeout 0:0:2", Home("a"), b.Str("NodeId"));
            resolved = attempt.Output.SingleOrDefault();
            if (resolved is null) Assert.StartsWith("PeerNotFound,", Assert.Single(attempt.Errors).FullyQualifiedErrorId);
        }
        Assert.NotNull(resolved);
        Assert.Equal("Mdns", resolved.Str("Source"));
        Assert.Equal(b.Str("NodeId"), resolved.Str("NodeId"));
        Assert.Equal("b", resolved.Str("Name"));
        Assert.Equal(b.Prop<int>("Port"), resolved.Prop<int>("Port"));
        Assert.Contains("127.0.0.1", resolved.Prop<string[]>("Addresses"));
        Assert.NotEqual(a.Str("NodeId"), resolved.Str("NodeId"));

        // What the link said is remembered: the next answer comes from the cache, without the link.
        var again = Assert.Single(_ps.Run("Resolve-PeerNode -NodePath $args[0] -NodeId $args[1] -Timeout 0", Home("a"), b.Str("NodeId")).Output);
        Assert.Equal("Cache", again.Str("Source"));
        Assert.Equal(b.Prop<int>("Port"), again.Prop<int>("Port"));
    }

    [Fact]
    public void A_running_node_refreshes_its_directory_entry_at_its_refresh_interval()
    {
        Assert.Empty(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Name directory -Port 0", Home("directory")).Errors);
        _ps.Run("New-PeerFleet -Name lab -Path $args[0]", FleetFile);
        _ps.Run("New-PeerCertificateRequest -NodePath $args[0] | Approve-PeerCertificateRequest -Fleet $args[1] | Install-PeerCertificate -NodePath $args[0]", Home("directory"), FleetFile);
        Assert.Empty(_ps.Run("Start-PeerDirectory -NodePath $args[0]", Home("directory")).Errors);
        var directoryPort = Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", Home("directory")).Output).Prop<int>("Port");

        var member = StartNode("member", fleet: true);
        Assert.Equal(TimeSpan.FromMinutes(1), member.Prop<TimeSpan>("DirectoryRefreshInterval"));
        var tooLong = _ps.Run("Set-PeerNode -NodePath $args[0] -DirectoryRefreshInterval 0:10:00", Home("member"));
        Assert.Equal("DirectoryRefreshOutOfRange,PeerStorage.PowerShell.Node.SetPeerNodeCommand", Assert.Single(tooLong.Errors).FullyQualifiedErrorId);
        var set = _ps.Run("Set-PeerNode -NodePath $args[0] -DirectoryAddress $args[1] -DirectoryRefreshInterval 0:0:1 -PassThru", Home("member"), $"127.0.0.1:{directoryPort}");
        Assert.Empty(set.Errors);
        Assert.Equal(TimeSpan.FromSeconds(1), Assert.Single(set.Output).Prop<TimeSpan>("DirectoryRefreshInterval"));

        // The running node follows the change: it registers, then again every second: LastSeen moves on, Registered stays.
        var seen = new List<PSObject>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && seen.Select(e => e.Prop<DateTimeOffset>("LastSeen")).Distinct().Count() < 3)
        {
            Thread.Sleep(300);
            seen.AddRange(_ps.Run("Get-PeerDirectoryEntry -NodePath $args[0] -NodeId $args[1]", Home("directory"), member.Str("NodeId")).Output);
        }
        var lastSeen = seen.Select(e => e.Prop<DateTimeOffset>("LastSeen")).Distinct().ToList();
        Assert.True(lastSeen.Count >= 3, $"LastSeen took {lastSeen.Count} value(s) in 20 s: {string.Join(", ", lastSeen.Select(t => t.ToString("O")))}");
        Assert.Equal(lastSeen.Order(), lastSeen);
        Assert.Single(seen.Select(e => e.Prop<DateTimeOffset>("Registered")).Distinct());
        Assert.Equal(member.Prop<int>("Port"), seen[^1].Prop<int>("Port"));
    }
}
