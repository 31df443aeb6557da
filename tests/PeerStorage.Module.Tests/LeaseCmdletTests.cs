using System.Management.Automation;

namespace PeerStorage.Module.Tests;

/// <summary>A host running in the session lends space; a holder leases it and stores files, all through the cmdlets.</summary>
public sealed class LeaseCmdletTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly TempNodeHome _root = new();
    private readonly string _host;
    private readonly string _holder;
    private readonly string _hostId;

    public LeaseCmdletTests()
    {
        Directory.CreateDirectory(_root.Path);
        _host = Path.Combine(_root.Path, "host");
        _holder = Path.Combine(_root.Path, "holder");
        Assert.Empty(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Name host -Port 0", _host).Errors);
        Assert.Empty(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Name holder -Port 0", _holder).Errors);
        Assert.Empty(_ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Size 64MB -Confirm:$false", _host).Errors);
        Assert.Empty(_ps.Run("Start-PeerNode -NodePath $args[0]", _host).Errors);
        var host = Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", _host).Output);
        var holder = Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", _holder).Output);
        _hostId = host.Str("NodeId");
        Assert.Empty(_ps.Run("$args[1] | Add-PeerTrust -NodePath $args[0] -Address $args[2]", _holder, host, $"127.0.0.1:{host.Prop<int>("Port")}").Errors);
        Assert.Empty(_ps.Run("$args[1] | Add-PeerTrust -NodePath $args[0]", _host, holder).Errors);
    }

    public void Dispose()
    {
        _ps.Run("Get-Job | Stop-Job; Get-Job | Remove-Job -Force");
        _ps.Dispose();
        _root.Dispose();
    }

    [Fact]
    public void Offer_lease_store_read_back_renew_and_release_from_a_script()
    {
        var offer = Assert.Single(_ps.Run("Publish-Availability -NodePath $args[0] -Size 32MB -Until ([DateTimeOffset]::UtcNow.AddDays(2))", _host).Output);
        Assert.Equal("PeerStorage.Availability", offer.TypeName());
        Assert.Equal(32L << 20, offer.Prop<long>("Free"));

        var leased = _ps.Run("Get-Availability -NodePath $args[0] -NodeId $args[1] | New-PeerLease -NodePath $args[0] -Size 8MB -Until ([DateTimeOffset]::UtcNow.AddDays(1))", _holder, _hostId);
        Assert.Empty(leased.Errors);
        var lease = Assert.Single(leased.Output);
        Assert.Equal("PeerStorage.PeerLease", lease.TypeName());
        Assert.Equal("Held", lease.Str("Role"));
        Assert.Equal(offer.Str("OfferId"), lease.Str("OfferId"));
        var leaseId = lease.Str("LeaseId");

        var source = Path.Combine(_root.Path, "inventory.csv");
        var content = new byte[3 * 1024 * 1024 + 17];
        new Random(5).NextBytes(content);
        File.WriteAllBytes(source, content);
        var written = _ps.Run("Write-PeerLeaseObject -NodePath $args[0] -LeaseId $args[1] -Path $args[2]", _holder, leaseId, source);
        Assert.Empty(written.Errors);
        Assert.Equal("PeerStorage.PeerLeaseObject", Assert.Single(written.Output).TypeName());
        Assert.Equal(content.Length, written.Output[0].Prop<long>("Length"));

        var restoreDir = Path.Combine(_root.Path, "restore");
        Directory.CreateDirectory(restoreDir);
        var read = _ps.Run("Get-PeerLeaseObject -NodePath $args[0] -LeaseId $args[1] -Name 'inv*' | Read-PeerLeaseObject -NodePath $args[0] -Destination $args[2]", _holder, leaseId, restoreDir);
        Assert.Empty(read.Errors);
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(restoreDir, "inventory.csv")));

        var held = Assert.Single(_ps.Run("Get-PeerLease -NodePath $args[0]", _holder).Output);
        Assert.Equal(1, held.Prop<int>("Objects"));
        var hosted = Assert.Single(_ps.Run("Get-PeerLease -NodePath $args[0] -Hosted", _host).Output);
        Assert.Equal("Hosted", hosted.Str("Role"));
        Assert.Equal(leaseId, hosted.Str("LeaseId"));
        Assert.Equal((32L - 8) << 20, Assert.Single(_ps.Run("Get-Availability -NodePath $args[0]", _host).Output).Prop<long>("Free"));

        var renewed = _ps.Run("Update-PeerLease -NodePath $args[0] -LeaseId $args[1] -Until ([DateTimeOffset]::UtcNow.AddDays(1).AddHours(12))", _holder, leaseId);
        Assert.Empty(renewed.Errors);
        var tooLong = _ps.Run("Update-PeerLease -NodePath $args[0] -LeaseId $args[1] -Until ([DateTimeOffset]::UtcNow.AddDays(9))", _holder, leaseId);
        Assert.StartsWith("LeaseOutlivesOffer,", Assert.Single(tooLong.Errors).FullyQualifiedErrorId);

        var missing = _ps.Run("Read-PeerLeaseObject -NodePath $args[0] -LeaseId $args[1] -Name nope -Destination $args[2]", _holder, leaseId, restoreDir);
        Assert.StartsWith("LeaseObjectNotFound,", Assert.Single(missing.Errors).FullyQualifiedErrorId);
        Assert.Empty(_ps.Run("Remove-PeerLeaseObject -NodePath $args[0] -LeaseId $args[1] -Name inventory.csv", _holder, leaseId).Errors);
        Assert.Empty(_ps.Run("Get-PeerLeaseObject -NodePath $args[0] -LeaseId $args[1]", _holder, leaseId).Output);

        Assert.Empty(_ps.Run("Get-PeerLease -NodePath $args[0] | Remove-PeerLease -NodePath $args[0] -Confirm:$false", _holder).Errors);
        Assert.Equal("Released", Assert.Single(_ps.Run("Get-PeerLease -NodePath $args[0]", _holder).Output).Str("State"));
        Assert.Equal("Released", Assert.Single(_ps.Run("Get-PeerLease -NodePath $args[0] -Hosted", _host).Output).Str("State"));
        var ended = _ps.Run("Write-PeerLeaseObject -NodePath $args[0] -LeaseId $args[1] -Path $args[2]", _holder, leaseId, source);
        Assert.StartsWith("LeaseEnded,", Assert.Single(ended.Errors).FullyQualifiedErrorId);

        Assert.Empty(_ps.Run("Get-Availability -NodePath $args[0] | Unpublish-Availability -NodePath $args[0]", _host).Errors);
        Assert.Equal("Withdrawn", Assert.Single(_ps.Run("Get-Availability -NodePath $args[0]", _host).Output).Str("State"));
    }

    [Fact]
    public void Read_PeerLeaseObject_replaces_an_existing_file_only_with_Force_and_WhatIf_writes_nothing()
    {
        _ps.Run("Publish-Availability -NodePath $args[0] -Size 8MB -Until ([DateTimeOffset]::UtcNow.AddDays(2))", _host);
        var leaseId = Assert.Single(_ps.Run("New-PeerLease -NodePath $args[0] -NodeId $args[1] -Size 2MB", _holder, _hostId).Output).Str("LeaseId");
        var source = Path.Combine(_root.Path, "notes.txt");
        File.WriteAllText(source, "the object's content");
        Assert.Empty(_ps.Run("Write-PeerLeaseObject -NodePath $args[0] -LeaseId $args[1] -Path $args[2]", _holder, leaseId, source).Errors);
        var restoreDir = Path.Combine(_root.Path, "restore");
        Directory.CreateDirectory(restoreDir);
        var restored = Path.Combine(restoreDir, "notes.txt");
        const string Read = "Read-PeerLeaseObject -NodePath $args[0] -LeaseId $args[1] -Name notes.txt -Destination $args[2]";

        // -WhatIf on a new file: nothing is written, nothing is output.
        var whatIfNew = _ps.Run(Read + " -WhatIf", _holder, leaseId, restoreDir);
        Assert.Empty(whatIfNew.Errors);
        Assert.Empty(whatIfNew.Output);
        Assert.False(File.Exists(restored));

        File.WriteAllText(restored, "the user's own file");

        // Into the folder, or naming the file: an existing file is an error record and stays as it was.
        foreach (var destination in new[] { restoreDir, restored })
        {
            var refused = _ps.Run(Read, _holder, leaseId, destination);
            var error = Assert.Single(refused.Errors);
            Assert.Equal("DestinationExists,PeerStorage.PowerShell.Leasing.ReadPeerLeaseObjectCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
            Assert.Equal(restored, error.TargetObject);
            Assert.Empty(refused.Output);
            Assert.Equal("the user's own file", File.ReadAllText(restored));
        }
        // -ErrorAction Stop makes it terminating, as for any error record.
        Assert.NotNull(_ps.Run(Read + " -ErrorAction Stop", _holder, leaseId, restored).Terminating);

        // -Force -WhatIf: still nothing changes.
        var whatIf = _ps.Run(Read + " -Force -WhatIf", _holder, leaseId, restored);
        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        Assert.Equal("the user's own file", File.ReadAllText(restored));

        // -Force replaces it.
        var replaced = _ps.Run(Read + " -Force", _holder, leaseId, restored);
        Assert.Empty(replaced.Errors);
        Assert.Equal(restored, Assert.Single(replaced.Output).Str("Path"));
        Assert.Equal("the object's content", File.ReadAllText(restored));
        Assert.Equal(["notes.txt"], Directory.GetFiles(restoreDir).Select(Path.GetFileName)); // no partial file left
    }

    [Fact]
    public void A_partition_with_leases_is_removed_only_with_Force_and_its_leases_end_as_wiped()
    {
        _ps.Run("Publish-Availability -NodePath $args[0] -Size 8MB -Until ([DateTimeOffset]::UtcNow.AddDays(2))", _host);
        Assert.Empty(_ps.Run("New-PeerLease -NodePath $args[0] -NodeId $args[1] -Size 1MB", _holder, _hostId).Errors);
        _ps.Run("Stop-PeerNode -NodePath $args[0]", _host); // the running node holds the vault open
        var partition = Assert.Single(_ps.Run("Get-HiddenStoragePartition -NodePath $args[0]", _host).Output);
        Assert.Equal(1, partition.Prop<int>("Leases"));

        var refused = _ps.Run("Get-HiddenStoragePartition -NodePath $args[0] | Remove-HiddenStoragePartition -NodePath $args[0] -Confirm:$false", _host);
        Assert.StartsWith("HiddenPartitionHasLeases,", Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.True(File.Exists(partition.Str("Location")));

        Assert.Empty(_ps.Run("Get-HiddenStoragePartition -NodePath $args[0] | Remove-HiddenStoragePartition -NodePath $args[0] -Force -Confirm:$false", _host).Errors);
        Assert.False(File.Exists(partition.Str("Location")));
        Assert.Equal("Wiped", Assert.Single(_ps.Run("Get-PeerLease -NodePath $args[0] -Hosted", _host).Output).Str("State"));
        Assert.Equal("Withdrawn", Assert.Single(_ps.Run("Get-Availability -NodePath $args[0]", _host).Output).Str("State"));
    }

    [Fact]
    public void The_lease_grace_period_is_a_node_setting()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), Assert.Single(_ps.Run("Get-PeerNode -NodePath $args[0]", _host).Output).Prop<TimeSpan>("LeaseGracePeriod"));
        var set = _ps.Run("Set-PeerNode -NodePath $args[0] -LeaseGracePeriod 0:0:30 -PassThru", _host);
        Assert.Empty(set.Errors);
        Assert.Equal(TimeSpan.FromSeconds(30), Assert.Single(set.Output).Prop<TimeSpan>("LeaseGracePeriod"));
        Assert.NotEmpty(_ps.Run("Set-PeerNode -NodePath $args[0] -LeaseGracePeriod 2.00:00:00", _host).Errors);
    }

    [Fact]
    public void WhatIf_claims_nothing_and_a_lease_on_an_unknown_peer_is_an_error_record()
    {
        _ps.Run("Publish-Availability -NodePath $args[0] -Size 8MB -Until ([DateTimeOffset]::UtcNow.AddDays(2))", _host);
        Assert.Empty(_ps.Run("New-PeerLease -NodePath $args[0] -NodeId $args[1] -Size 1MB -WhatIf", _holder, _hostId).Output);
        Assert.Empty(_ps.Run("Get-PeerLease -NodePath $args[0] -Hosted", _host).Output);
        var tooBig = _ps.Run("New-PeerLease -NodePath $args[0] -NodeId $args[1] -Size 9MB", _holder, _hostId);
        Assert.StartsWith("AvailabilityInsufficient,", Assert.Single(tooBig.Errors).FullyQualifiedErrorId);
        var unknown = _ps.Run("Get-PeerLease -NodePath $args[0] -LeaseId nope", _holder);
        Assert.StartsWith("LeaseNotFound,", Assert.Single(unknown.Errors).FullyQualifiedErrorId);
    }
}
