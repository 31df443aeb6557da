using PeerStorage.Core.Leasing;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using PeerStorage.Core.Vault;
using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Peers;

/// <summary>Leased hidden storage between two machines: the host an agent in its namespace, the holder an admin's shell in another.</summary>
public sealed class LeaseLabTests
{
    [NetworkLabFact]
    public async Task A_holder_found_by_mDNS_stores_a_file_and_a_host_that_was_off_at_expiry_wipes_it_when_it_starts()
    {
        using var lab = new NetworkLab();
        var lan = lab.AddBridge();
        using var fleet = FleetAuthority.Create(Path.Combine(lab.ScratchDirectory, "lab.fleet"), "lab", null);
        var host = LabNode.Create(lab, lab.AddHost("host", lan), fleet);
        var holder = LabNode.Create(lab, lab.AddHost("holder", lan), fleet);

        // The host's admin sets aside a vault and offers part of it, with no grace after a lease's end.
        var setup = await host.PowerShellAsync(
            "New-HiddenStoragePartition -NodePath $node -Size 64MB -Confirm:$false | Out-Null; " +
            "Set-PeerNode -NodePath $node -LeaseGracePeriod 0; " +
            "Publish-Availability -NodePath $node -Size 32MB -Until ([DateTimeOffset]::UtcNow.AddHours(1)) | ForEach-Object OfferId");
        Assert.True(setup.ExitCode == 0, setup.ToString());
        await host.StartAsync();

        var content = new byte[6 * 1024 * 1024 + 4321];
        new Random(8).NextBytes(content);
        var source = Path.Combine(lab.ScratchDirectory, "payload.bin");
        var restored = Path.Combine(lab.ScratchDirectory, "restored.bin");
        await File.WriteAllBytesAsync(source, content);

        // The holder finds the host on the link (mDNS), leases space for 25 seconds, stores a file and reads it back.
        var until = DateTimeOffset.UtcNow.AddSeconds(25);
        var leased = await holder.PowerShellAsync(
            $"$lease = Get-Availability -NodePath $node -NodeId '{host.NodeId}' | New-PeerLease -NodePath $node -Size 8MB -Until ([DateTimeOffset]::Parse('{until:O}')); " +
            $"Write-PeerLeaseObject -NodePath $node -LeaseId $lease.LeaseId -Path '{source}' -Name payload.bin | Out-Null; " +
            $"Read-PeerLeaseObject -NodePath $node -LeaseId $lease.LeaseId -Name payload.bin -Destination '{restored}' | Out-Null; " +
            "$lease.LeaseId");
        Assert.True(leased.ExitCode == 0, leased.ToString());
        var leaseId = leased.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
        Assert.Equal(content, await File.ReadAllBytesAsync(restored));

        // The host goes down before the lease ends and stays down past it: nothing can wipe the data meanwhile.
        await host.StopAsync();
        var partition = VaultLocation(host);
        Assert.True(DataArea(partition).Any(b => b != 0), "the object should be on the carrier while the host is off");
        Assert.Equal(-1, DataArea(partition).AsSpan().IndexOf(content.AsSpan(1000, 64))); // ciphertext only
        var wait = until - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);

        // It starts again: its first sweep wipes the lease.
        await host.StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (HostedState(host, leaseId) != "Expired")
        {
            Assert.True(DateTime.UtcNow < deadline, "the restarted host never wiped the expired lease");
            await Task.Delay(250);
        }
        var seen = await holder.PowerShellAsync($"(Get-PeerLease -NodePath $node -LeaseId '{leaseId}').State");
        Assert.Equal("Expired", seen.Stdout.Trim().Split('\n')[^1].Trim());
        await host.StopAsync();
        Assert.All(DataArea(partition), b => Assert.Equal(0, b));
        using var vault = VaultStore.Open(partition);
        Assert.Empty(vault.Regions);
        Assert.True(vault.Check().IsHealthy);
    }

    private static string VaultLocation(LabNode node)
    {
        using var home = NodeHome.Open(node.Home, "Test");
        return Assert.Single(HiddenPartitions.Rows(home, null)).Location;
    }

    private static string? HostedState(LabNode node, string leaseId)
    {
        using var home = NodeHome.Open(node.Home, "Test");
        using var leases = new LeaseHost(home);
        return leases.Leases(null, leaseId).SingleOrDefault()?.State;
    }

    /// <summary>The vault's data extents as they are on the carrier, without its superblocks, journal and metadata.</summary>
    private static byte[] DataArea(string location)
    {
        long offset, end;
        using (var vault = VaultStore.Open(location))
        {
            offset = vault.Geometry.DataOffset;
            end = vault.Geometry.BackupSuperblockOffset;
        }
        return File.ReadAllBytes(location)[(int)offset..(int)end];
    }
}
