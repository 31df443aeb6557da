using System.Management.Automation;
using Xunit.Abstractions;

namespace PeerStorage.Module.Tests;

public sealed class TrustCmdletTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly TempNodeHome _root = new();
    private readonly ITestOutputHelper _output;

    public TrustCmdletTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_root.Path);
    }

    public void Dispose()
    {
        _ps.Dispose();
        _root.Dispose();
    }

    private string Home(string name) => Path.Combine(_root.Path, name);
    private string FleetFile => Path.Combine(_root.Path, "lab.fleet");

    private PSObject NewNode(string name) => Assert.Single(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Name $args[1] -Port 0", Home(name), name).Output);

    [Fact]
    public void A_hundred_nodes_enroll_through_serialized_objects_each_installing_the_certificate_issued_for_its_node_id()
    {
        const int count = 100;
        var fleet = _ps.Run("$pw = [System.Net.NetworkCredential]::new('', 'correct horse').SecurePassword; New-PeerFleet -Name lab -Path $args[0] -Password $pw", FleetFile);
        Assert.Empty(fleet.Errors);
        var fleetId = Assert.Single(fleet.Output).Str("FleetId");

        var homes = Enumerable.Range(0, count).Select(i => Home($"pc{i:000}")).ToArray();
        // An admin's fan-out: Invoke-Command runs the first block on every PC and returns the requests serialized,
        // in the order the PCs answer (shuffled here; the session has no Get-Random). The admin approves them all at once; each certificate names
        // the node it was issued for. The second fan-out sends every PC the certificates, and each PC installs the
        // one issued for its own node id: nothing depends on the order of the objects.
        var script = """
            param($homes, $fleetFile)
            function Wire($o) { [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($o)) }
            $pw = [System.Net.NetworkCredential]::new('', 'correct horse').SecurePassword
            $requests = foreach ($h in $homes) {
                Initialize-PeerNode -NodePath $h -Port 0 | Out-Null
                Wire (New-PeerCertificateRequest -NodePath $h)
            }
            $rng = [System.Random]::new(3)
            for ($i = $requests.Count - 1; $i -gt 0; $i--) { $j = $rng.Next($i + 1); $requests[$i], $requests[$j] = $requests[$j], $requests[$i] }
            $certificates = $requests | Approve-PeerCertificateRequest -Fleet $fleetFile -Password $pw
            $byNodeId = @{}
            foreach ($c in (Wire $certificates)) { $byNodeId[$c.NodeId] = $c }
            foreach ($h in $homes) {
                $mine = $byNodeId[(Get-PeerNode -NodePath $h).NodeId]
                Install-PeerCertificate -NodePath $h -Certificate $mine.Certificate -PassThru
            }
            """;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = _ps.Run($"& {{ {script} }} @args", homes, FleetFile);
        _output.WriteLine($"{count} nodes enrolled in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors); // Install-PeerCertificate refuses a certificate issued for another node
        Assert.Equal(count, result.Output.Count);
        Assert.All(result.Output, node => Assert.Equal(fleetId, node.Str("FleetId")));
        Assert.Equal(homes, result.Output.Select(n => n.Str("NodePath")));
        Assert.Equal(count, result.Output.Select(n => n.Str("NodeId")).Distinct().Count());
        Assert.Equal(count, result.Output.Select(n => n.Str("CertificateThumbprint")).Distinct().Count());
    }

    [Fact]
    public void Get_PeerFleet_opens_an_encrypted_fleet_file_with_its_password_and_its_id_is_the_one_its_members_carry()
    {
        var created = Assert.Single(_ps.Run("$pw = [System.Net.NetworkCredential]::new('', 'right').SecurePassword; New-PeerFleet -Name lab -Path $args[0] -Password $pw", FleetFile).Output);

        var read = _ps.Run("$pw = [System.Net.NetworkCredential]::new('', 'right').SecurePassword; Get-PeerFleet -Path $args[0] -Password $pw", FleetFile);
        Assert.Empty(read.Errors);
        var fleet = Assert.Single(read.Output);
        Assert.Equal("PeerStorage.PeerFleet", fleet.TypeName());
        Assert.Equal(created.Str("FleetId"), fleet.Str("FleetId"));
        Assert.Equal("lab", fleet.Str("Name"));
        Assert.Equal(FleetFile, fleet.Str("Path"));
        Assert.True(fleet.Prop<bool>("Encrypted"));
        Assert.Equal(created.Str("Thumbprint"), fleet.Str("Thumbprint"));
        Assert.True(fleet.Prop<DateTimeOffset>("NotAfter") > DateTimeOffset.UtcNow.AddYears(1));

        // A member carries the fleet's id; a node outside it carries none.
        NewNode("member");
        NewNode("outsider");
        Assert.Empty(_ps.Run("$pw = [System.Net.NetworkCredential]::new('', 'right').SecurePassword; New-PeerCertificateRequest -NodePath $args[0] | Approve-PeerCertificateRequest -Fleet $args[1] -Password $pw | Install-PeerCertificate -NodePath $args[0]", Home("member"), FleetFile).Errors);
        var members = _ps.Run("""
            $pw = [System.Net.NetworkCredential]::new('', 'right').SecurePassword
            $fleet = Get-PeerFleet -Path $args[0] -Password $pw
            $args[1] | ForEach-Object { Get-PeerNode -NodePath $_ } | Where-Object FleetId -eq $fleet.FleetId | ForEach-Object Name
            """, FleetFile, new[] { Home("member"), Home("outsider") });
        Assert.Empty(members.Errors);
        Assert.Equal(["member"], members.Output.Select(o => o.ToString()));
        Assert.Equal(fleet.Str("FleetId"), Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", Home("member")).Output).Str("FleetId"));
    }

    [Fact]
    public void Get_PeerFleet_with_a_wrong_password_or_none_writes_an_error_record_and_no_fleet()
    {
        _ps.Run("$pw = [System.Net.NetworkCredential]::new('', 'right').SecurePassword; New-PeerFleet -Name lab -Path $args[0] -Password $pw", FleetFile);

        var wrong = _ps.Run("$pw = [System.Net.NetworkCredential]::new('', 'wrong').SecurePassword; Get-PeerFleet -Path $args[0] -Password $pw", FleetFile);
        Assert.Null(wrong.Terminating);
        Assert.Empty(wrong.Output);
        var error = Assert.Single(wrong.Errors);
        Assert.Equal("FleetPasswordWrong,PeerStorage.PowerShell.Trust.GetPeerFleetCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal(FleetFile, error.TargetObject?.ToString());

        var none = _ps.Run("Get-PeerFleet -Path $args[0]", FleetFile);
        Assert.Empty(none.Output);
        Assert.Equal("FleetPasswordRequired,PeerStorage.PowerShell.Trust.GetPeerFleetCommand", Assert.Single(none.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void A_wrong_fleet_password_ends_the_approval_with_a_clear_error()
    {
        _ps.Run("$pw = [System.Net.NetworkCredential]::new('', 'right').SecurePassword; New-PeerFleet -Name lab -Path $args[0] -Password $pw", FleetFile);
        NewNode("a");
        var result = _ps.Run("$pw = [System.Net.NetworkCredential]::new('', 'wrong').SecurePassword; New-PeerCertificateRequest -NodePath $args[0] | Approve-PeerCertificateRequest -Fleet $args[1] -Password $pw", Home("a"), FleetFile);
        var error = result.Terminating is ActionPreferenceStopException or null ? Assert.Single(result.Errors) : ((IContainsErrorRecord)result.Terminating).ErrorRecord;
        Assert.Equal("FleetPasswordWrong,PeerStorage.PowerShell.Trust.ApprovePeerCertificateRequestCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
    }

    [Fact]
    public void A_certificate_for_another_node_is_refused_and_changes_nothing()
    {
        _ps.Run("New-PeerFleet -Name lab -Path $args[0]", FleetFile);
        NewNode("a");
        NewNode("b");
        var result = _ps.Run("New-PeerCertificateRequest -NodePath $args[0] | Approve-PeerCertificateRequest -Fleet $args[2] | Install-PeerCertificate -NodePath $args[1]", Home("a"), Home("b"), FleetFile);
        Assert.Equal("PeerCertificateMismatch,PeerStorage.PowerShell.Trust.InstallPeerCertificateCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Null(Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", Home("b")).Output).Properties["FleetId"].Value);
    }

    [Fact]
    public void Trust_by_node_id_can_be_added_listed_filtered_and_removed_through_the_pipeline()
    {
        NewNode("a");
        var b = NewNode("peer-b");
        var c = NewNode("peer-c");
        foreach (var peer in new[] { b, c })
        {
            var added = _ps.Run("$args[1] | Add-PeerTrust -NodePath $args[0] -Address 10.1.2.3 -Port 47620", Home("a"), peer);
            Assert.Empty(added.Errors);
            Assert.Equal(peer.Str("NodeId"), Assert.Single(added.Output).Str("NodeId"));
        }
        var listed = _ps.Run("Get-PeerTrust -NodePath $args[0] -Name 'peer-*'", Home("a"));
        Assert.Equal(2, listed.Output.Count);
        Assert.Equal(["10.1.2.3:47620"], listed.Output[0].Prop<string[]>("Addresses"));

        _ps.Run("Get-PeerTrust -NodePath $args[0] -Name 'peer-b' | Remove-PeerTrust -NodePath $args[0]", Home("a"));
        Assert.Equal(c.Str("NodeId"), Assert.Single(_ps.Run("Get-PeerTrust -NodePath $args[0]", Home("a")).Output).Str("NodeId"));

        var missing = _ps.Run("Remove-PeerTrust -NodePath $args[0] -NodeId $args[1]", Home("a"), b.Str("NodeId"));
        Assert.Equal("PeerTrustNotFound,PeerStorage.PowerShell.Trust.RemovePeerTrustCommand", Assert.Single(missing.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void A_mistyped_node_id_is_an_InvalidArgument_error()
    {
        NewNode("a");
        var id = NewNode("b").Str("NodeId");
        var typo = id[..10] + (id[10] == 'A' ? 'B' : 'A') + id[11..];
        var result = _ps.Run("Add-PeerTrust -NodePath $args[0] -NodeId $args[1]", Home("a"), typo);
        var error = Assert.Single(result.Errors);
        Assert.Equal("InvalidNodeId,PeerStorage.PowerShell.Trust.AddPeerTrustCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Empty(_ps.Run("Get-PeerTrust -NodePath $args[0]", Home("a")).Output);
    }

    [Fact]
    public void Revoke_PeerNode_signs_a_revocation_and_the_local_fleet_node_applies_it()
    {
        _ps.Run("New-PeerFleet -Name lab -Path $args[0]", FleetFile);
        foreach (var n in new[] { "admin", "victim" })
        {
            NewNode(n);
            Assert.Empty(_ps.Run("New-PeerCertificateRequest -NodePath $args[0] | Approve-PeerCertificateRequest -Fleet $args[1] | Install-PeerCertificate -NodePath $args[0]", Home(n), FleetFile).Errors);
        }
        var victim = Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", Home("victim")).Output).Str("NodeId");
        var revoked = _ps.Run("Revoke-PeerNode -Fleet $args[0] -NodeId $args[1] -NodePath $args[2] -Reason 'stolen'", FleetFile, victim, Home("admin"));
        Assert.Empty(revoked.Errors);
        var revocation = Assert.Single(revoked.Output);
        Assert.Equal(victim, revocation.Str("NodeId"));
        Assert.Equal("stolen", revocation.Str("Reason"));
        Assert.NotEmpty(revocation.Str("Signature"));
    }
}
