using PeerStorage.Core.Leasing;
using PeerStorage.Core.Node;
using PeerStorage.Core.Transport;
using PeerStorage.Core.Trust;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Leasing;

/// <summary>A holder leasing space on a running host over real mutual-TLS sockets on loopback.</summary>
public sealed class LeaseOverNetworkTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private NodeHome _hostHome = null!;
    private NodeHome _holderHome = null!;
    private NodeHome _strangerHome = null!;
    private NodeRuntime _host = null!;
    private HiddenStoragePartition _partition = null!;

    public async Task InitializeAsync()
    {
        _hostHome = NodeHome.Initialize(_dir.Combine("host"), new NodeInitOptions("host", 0));
        _holderHome = NodeHome.Initialize(_dir.Combine("holder"), new NodeInitOptions("holder", 0));
        _strangerHome = NodeHome.Initialize(_dir.Combine("stranger"), new NodeInitOptions("stranger", 0));
        _partition = HiddenPartitions.Create(_hostHome, new HiddenPartitionRequest(null, 64L << 20, null, false));
        _host = await NodeRuntime.StartAsync(_hostHome);
        new TrustStore(_hostHome).Add(_holderHome.NodeId, "holder", []);
        new TrustStore(_hostHome).Add(_strangerHome.NodeId, "stranger", []);
        new TrustStore(_holderHome).Add(_hostHome.NodeId, "host", [$"127.0.0.1:{_host.Port}"]);
        new TrustStore(_strangerHome).Add(_hostHome.NodeId, "host", [$"127.0.0.1:{_host.Port}"]);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _hostHome.Dispose();
        _holderHome.Dispose();
        _strangerHome.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_file_goes_up_encrypted_comes_back_byte_for_byte_and_is_wiped_on_release()
    {
        var none = CancellationToken.None;
        var offer = AvailabilityOffers.Publish(_hostHome, 32L << 20, DateTimeOffset.UtcNow.AddDays(1), null);
        var offers = await LeaseClient.OffersAsync(_holderHome, _hostHome.NodeId, none);
        Assert.Equal(offer.OfferId, Assert.Single(offers).OfferId);

        var lease = await LeaseClient.ClaimAsync(_holderHome, _hostHome.NodeId, 16L << 20, DateTimeOffset.UtcNow.AddHours(12), null, none);
        Assert.Equal("Held", lease.Role);
        Assert.Equal(_holderHome.NodeId.ToString(), lease.HolderNodeId);

        var source = _dir.Combine("report.bin");
        var content = Vault.VaultDataTests.Random(5 * 1024 * 1024 + 123, 11);
        File.WriteAllBytes(source, content);
        long reported = 0;
        var written = await LeaseClient.WriteObjectAsync(_holderHome, lease.LeaseId, "reports/2026-11.bin", source, (done, _) => reported = done, none);
        Assert.Equal(content.Length, written.Length);
        Assert.Equal(content.Length, reported);

        // The host's carrier holds ciphertext only.
        var carrier = await File.ReadAllBytesAsync(_partition.Location);
        Assert.True(carrier.AsSpan().IndexOf(content.AsSpan(4096, 64)) < 0, "plaintext found on the host's carrier");

        var listed = Assert.Single(await LeaseClient.ObjectsAsync(_holderHome, lease.LeaseId, null, none));
        Assert.Equal("reports/2026-11.bin", listed.Name);
        Assert.Equal(content.Length, listed.Length);
        var restored = _dir.Combine("restored.bin");
        await LeaseClient.ReadObjectAsync(_holderHome, lease.LeaseId, "reports/2026-11.bin", restored, false, null, none);
        Assert.Equal(content, File.ReadAllBytes(restored));
        // An existing file is kept unless the caller asks to replace it.
        File.WriteAllText(restored, "keep me");
        var exists = await Assert.ThrowsAsync<PeerStorageException>(() =>
            LeaseClient.ReadObjectAsync(_holderHome, lease.LeaseId, "reports/2026-11.bin", restored, false, null, none));
        Assert.Equal("DestinationExists", exists.ErrorId);
        Assert.Equal("keep me", File.ReadAllText(restored));
        await LeaseClient.ReadObjectAsync(_holderHome, lease.LeaseId, "reports/2026-11.bin", restored, true, null, none);
        Assert.Equal(content, File.ReadAllBytes(restored));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(restored)!, "*.partial")); // no leftovers beside it
        var held = Assert.Single(await LeaseClient.ListAsync(_holderHome, null, null, none));
        Assert.Equal(1, held.Objects);
        Assert.Equal(LeaseObjectCipher.StoredLength(content.Length), held.Used);

        // The name never reaches the host in the clear.
        var hosted = _hostHome.State.Read(c => PeerStorage.Core.State.SqlExtensions.Query(c, null, "SELECT sealed_name, name_key FROM hosted_lease_objects", r => r.GetString(0) + r.GetString(1)));
        Assert.DoesNotContain("reports", Assert.Single(hosted));

        await LeaseClient.ReleaseAsync(_holderHome, lease.LeaseId, none);
        Assert.Equal("Released", _host.Leases.Leases().Single().State);
        Assert.Equal("LeaseEnded", (await Assert.ThrowsAsync<PeerStorageException>(() =>
            LeaseClient.ReadObjectAsync(_holderHome, lease.LeaseId, "reports/2026-11.bin", restored, false, null, none))).ErrorId);
        Assert.All(HiddenPartitions.Rows(_hostHome, _partition.Id), _ => { });
    }

    [Fact]
    public async Task The_node_announces_the_unleased_space_of_its_offers_on_the_link()
    {
        var options = DiscoveryPolicy.Current();
        if (options is null) return; // discovery off in this process (PEERSTORAGE_MDNS=off)
        AvailabilityOffers.Publish(_hostHome, 24L << 20, DateTimeOffset.UtcNow.AddDays(1), null);
        await LeaseClient.ClaimAsync(_holderHome, _hostHome.NodeId, 4L << 20, null, null, CancellationToken.None);
        long? announced = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (announced != 20L << 20 && DateTime.UtcNow < deadline)
        {
            var seen = await PeerStorage.Core.Discovery.PeerNodeDiscovery.BrowseAsync(TimeSpan.FromSeconds(1), null, options, CancellationToken.None);
            announced = seen.FirstOrDefault(p => p.NodeId == _hostHome.NodeId.ToString())?.OfferedBytes;
        }
        Assert.Equal(20L << 20, announced);
    }

    [Fact]
    public async Task Another_trusted_node_cannot_touch_a_lease_it_does_not_hold()
    {
        var none = CancellationToken.None;
        AvailabilityOffers.Publish(_hostHome, 8L << 20, DateTimeOffset.UtcNow.AddDays(1), null);
        var lease = await LeaseClient.ClaimAsync(_holderHome, _hostHome.NodeId, 1L << 20, null, null, none);
        // The stranger knows the lease id (it leaked) but not the key, and the host goes by the session's node id.
        await using var network = new NodeNetwork(_strangerHome);
        await using var connection = await network.ConnectAsync("127.0.0.1", _host.Port, _hostHome.NodeId, none);
        var refused = await Assert.ThrowsAsync<PeerRemoteException>(() => LeaseService.ObjectsAsync(connection, lease.LeaseId, null, none));
        Assert.Equal("LeaseNotFound", refused.ErrorId);
        var release = await Assert.ThrowsAsync<PeerRemoteException>(() => LeaseService.ReleaseAsync(connection, lease.LeaseId, none));
        Assert.Equal("LeaseNotFound", release.ErrorId);
        Assert.Equal("Active", _host.Leases.Leases().Single().State);
    }

    [Fact]
    public async Task An_upload_past_the_quota_is_refused_with_its_error_id_and_the_lease_still_works()
    {
        var none = CancellationToken.None;
        AvailabilityOffers.Publish(_hostHome, 8L << 20, DateTimeOffset.UtcNow.AddDays(1), null);
        var lease = await LeaseClient.ClaimAsync(_holderHome, _hostHome.NodeId, 1L << 20, null, null, none);
        var big = _dir.Combine("big.bin");
        File.WriteAllBytes(big, new byte[2 << 20]);
        var over = await Assert.ThrowsAnyAsync<PeerStorageException>(() => LeaseClient.WriteObjectAsync(_holderHome, lease.LeaseId, "big", big, null, none));
        Assert.Equal("LeaseQuotaExceeded", over.ErrorId);
        var small = _dir.Combine("small.txt");
        File.WriteAllText(small, "fits");
        await LeaseClient.WriteObjectAsync(_holderHome, lease.LeaseId, "small", small, null, none);
        Assert.Equal("small", Assert.Single(await LeaseClient.ObjectsAsync(_holderHome, lease.LeaseId, null, none)).Name);
    }
}
