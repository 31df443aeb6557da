using PeerStorage.Core.Leasing;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Leasing;

/// <summary>The host's side of leases on a real vault file and state database, with a clock the test moves.</summary>
public sealed class LeaseHostTests : IDisposable
{
    private const long PartitionSize = 32L * 1024 * 1024;
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly NodeHome _home;
    private readonly HiddenStoragePartition _partition;
    private readonly NodeId _holder = NodeId.FromPublicKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(91));
    private readonly NodeId _stranger = NodeId.FromPublicKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(91));
    private DateTimeOffset _now = Start;

    public LeaseHostTests()
    {
        _home = NodeHome.Initialize(_dir.Combine("host"), new NodeInitOptions("host", 0));
        _partition = HiddenPartitions.Create(_home, new HiddenPartitionRequest(null, PartitionSize, null, false));
    }

    public void Dispose()
    {
        _home.Dispose();
        _dir.Dispose();
    }

    private LeaseHost Host() => new(_home, () => _now);

    private static async Task<StoredObject> Put(LeaseHost host, NodeId holder, string leaseId, string name, byte[] bytes) =>
        await host.PutAsync(holder, leaseId, Key(name), "sealed-" + name, bytes.Length, new MemoryStream(bytes), CancellationToken.None);

    private static async Task<byte[]> Get(LeaseHost host, NodeId holder, string leaseId, string name)
    {
        using var output = new MemoryStream();
        await host.GetAsync(holder, leaseId, Key(name), output, CancellationToken.None);
        return output.ToArray()[8..];
    }

    private static string Key(string name) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));

    [Fact]
    public void Offers_never_promise_more_than_the_partition_and_announce_their_free_space()
    {
        var first = AvailabilityOffers.Publish(_home, 20L << 20, Start.AddDays(7), null, Start);
        Assert.Equal("Active", first.State);
        Assert.Equal(_partition.Id, first.PartitionId);
        Assert.Equal((20L << 20).ToString(), _home.Settings.Get(SettingKeys.OfferedBytes));

        var tooMuch = Assert.Throws<PeerStorageException>(() => AvailabilityOffers.Publish(_home, _partition.Size, Start.AddDays(7), null, Start));
        Assert.Equal("AvailabilityTooLarge", tooMuch.ErrorId);
        Assert.Equal("AvailabilityUntilInvalid", Assert.Throws<PeerStorageException>(() => AvailabilityOffers.Publish(_home, 1, Start.AddMinutes(-1), null, Start)).ErrorId);

        var withdrawn = AvailabilityOffers.Unpublish(_home, first.OfferId, Start);
        Assert.Equal("Withdrawn", withdrawn.State);
        Assert.Equal("0", _home.Settings.Get(SettingKeys.OfferedBytes));
        Assert.Equal("AvailabilityNotFound", Assert.Throws<PeerStorageException>(() => AvailabilityOffers.Unpublish(_home, first.OfferId, Start)).ErrorId);
        // Withdrawn space is promised no more: the whole partition can be offered again.
        AvailabilityOffers.Publish(_home, _partition.Size, Start.AddDays(1), null, Start);
    }

    [Fact]
    public async Task A_holder_stores_and_reads_objects_within_its_quota_and_no_one_else_sees_them()
    {
        var offer = AvailabilityOffers.Publish(_home, 8L << 20, Start.AddDays(7), null, Start);
        using var host = Host();
        var lease = host.Claim(_holder, null, 1L << 20, Start.AddDays(2));
        Assert.Equal(offer.OfferId, lease.OfferId);
        Assert.Equal("Active", lease.State);
        Assert.Equal(((8L << 20) - (1L << 20)).ToString(), _home.Settings.Get(SettingKeys.OfferedBytes));

        var a = Vault.VaultDataTests.Random(300_000, 1);
        var b = Vault.VaultDataTests.Random(500_000, 2);
        await Put(host, _holder, lease.LeaseId, "a", a);
        await Put(host, _holder, lease.LeaseId, "b", b);
        Assert.Equal(a, await Get(host, _holder, lease.LeaseId, "a"));
        Assert.Equal(b, await Get(host, _holder, lease.LeaseId, "b"));
        Assert.Equal(2, host.Objects(_holder, lease.LeaseId).Count);

        // Over quota: refused, and nothing half-stored.
        var over = await Assert.ThrowsAsync<PeerStorageException>(() => Put(host, _holder, lease.LeaseId, "c", new byte[300_000]));
        Assert.Equal("LeaseQuotaExceeded", over.ErrorId);
        Assert.Equal(2, host.Objects(_holder, lease.LeaseId).Count);
        // Replacing an object frees the old copy's space only after the new one is in: delete, then the room is back.
        host.Delete(_holder, lease.LeaseId, Key("a"));
        var c = Vault.VaultDataTests.Random(300_000, 3);
        await Put(host, _holder, lease.LeaseId, "c", c);
        // Streamed over the deleted object's blocks (forgotten first, so written as fresh ones); the block it shares
        // with its neighbour keeps the neighbour's bytes.
        Assert.Equal(c, await Get(host, _holder, lease.LeaseId, "c"));
        Assert.Equal(b, await Get(host, _holder, lease.LeaseId, "b"));

        // Another node: not found, for every operation.
        Assert.Equal("LeaseNotFound", Assert.Throws<PeerStorageException>(() => host.Objects(_stranger, lease.LeaseId)).ErrorId);
        Assert.Equal("LeaseNotFound", (await Assert.ThrowsAsync<PeerStorageException>(() => Get(host, _stranger, lease.LeaseId, "b"))).ErrorId);
        Assert.Equal("LeaseNotFound", (await Assert.ThrowsAsync<PeerStorageException>(() => Put(host, _stranger, lease.LeaseId, "x", [1]))).ErrorId);
        Assert.Equal("LeaseNotFound", Assert.Throws<PeerStorageException>(() => host.Release(_stranger, lease.LeaseId)).ErrorId);
        Assert.Empty(host.Leases(_stranger));
    }

    [Fact]
    public async Task An_upload_cut_short_or_longer_than_announced_stores_nothing()
    {
        AvailabilityOffers.Publish(_home, 8L << 20, Start.AddDays(7), null, Start);
        using var host = Host();
        var lease = host.Claim(_holder, null, 4L << 20, null);
        var shortUpload = await Assert.ThrowsAsync<PeerStorageException>(() =>
            host.PutAsync(_holder, lease.LeaseId, Key("x"), "s", 1000, new MemoryStream(new byte[999]), CancellationToken.None));
        Assert.Equal("LeaseUploadIncomplete", shortUpload.ErrorId);
        var longUpload = await Assert.ThrowsAsync<PeerStorageException>(() =>
            host.PutAsync(_holder, lease.LeaseId, Key("x"), "s", 1000, new MemoryStream(new byte[1001]), CancellationToken.None));
        Assert.Equal("LeaseInvalidArgument", longUpload.ErrorId);
        Assert.Empty(host.Objects(_holder, lease.LeaseId));
        // Both reservations were given back: the whole lease is still free.
        await Put(host, _holder, lease.LeaseId, "full", new byte[4L << 20]);
    }

    [Fact]
    public async Task Objects_of_odd_lengths_fill_a_lease_to_its_last_byte()
    {
        // Where objects are placed is the host's business; it must never cost the holder any of its quota.
        AvailabilityOffers.Publish(_home, 8L << 20, Start.AddDays(7), null, Start);
        using var host = Host();
        var lease = host.Claim(_holder, null, 1L << 20, null);
        int[] lengths = [100_001, 300_003, 4_095, 4_097, 640_380];
        Assert.Equal(1L << 20, lengths.Sum());
        var objects = lengths.Select((length, i) => Vault.VaultDataTests.Random(length, 10 + i)).ToArray();
        for (var i = 0; i < objects.Length; i++) await Put(host, _holder, lease.LeaseId, $"o{i}", objects[i]);
        for (var i = 0; i < objects.Length; i++) Assert.Equal(objects[i], await Get(host, _holder, lease.LeaseId, $"o{i}"));
        Assert.Equal("LeaseQuotaExceeded", (await Assert.ThrowsAsync<PeerStorageException>(() => Put(host, _holder, lease.LeaseId, "one more", [1]))).ErrorId);
        // A freed gap between two objects takes a new object that fits it exactly.
        host.Delete(_holder, lease.LeaseId, Key("o1"));
        var refill = Vault.VaultDataTests.Random(300_003, 20);
        await Put(host, _holder, lease.LeaseId, "refill", refill);
        Assert.Equal(refill, await Get(host, _holder, lease.LeaseId, "refill"));
        Assert.Equal(objects[0], await Get(host, _holder, lease.LeaseId, "o0"));
        Assert.Equal(objects[2], await Get(host, _holder, lease.LeaseId, "o2"));
    }

    [Fact]
    public void Leases_stay_within_their_offer_and_renew_only_up_to_its_end()
    {
        var offer = AvailabilityOffers.Publish(_home, 4L << 20, Start.AddDays(3), null, Start);
        using var host = Host();
        Assert.Equal("LeaseOutlivesOffer", Assert.Throws<PeerStorageException>(() => host.Claim(_holder, offer.OfferId, 1L << 20, Start.AddDays(4))).ErrorId);
        Assert.Equal("AvailabilityInsufficient", Assert.Throws<PeerStorageException>(() => host.Claim(_holder, null, 5L << 20, null)).ErrorId);
        var lease = host.Claim(_holder, offer.OfferId, 3L << 20, Start.AddDays(1));
        Assert.Equal("AvailabilityInsufficient", Assert.Throws<PeerStorageException>(() => host.Claim(_stranger, null, 2L << 20, null)).ErrorId);

        Assert.Equal(Start.AddDays(2), host.Renew(_holder, lease.LeaseId, Start.AddDays(2)).Until);
        Assert.Equal("LeaseOutlivesOffer", Assert.Throws<PeerStorageException>(() => host.Renew(_holder, lease.LeaseId, Start.AddDays(5))).ErrorId);
        _now = Start.AddDays(2).AddHours(-1);
        Assert.Equal("Expiring", host.Leases(_holder).Single().State);
    }

    [Fact]
    public async Task At_expiry_the_space_is_wiped_to_zeros_on_the_carrier_and_the_key_destroyed_even_after_a_restart()
    {
        AvailabilityOffers.Publish(_home, 8L << 20, Start.AddDays(7), null, Start);
        var marker = Vault.VaultDataTests.Random(1 << 20, 77);
        string leaseId;
        using (var host = Host())
        {
            leaseId = host.Claim(_holder, null, 2L << 20, Start.AddHours(1)).LeaseId;
            await Put(host, _holder, leaseId, "secret", marker);
            // Within the grace after its end the data is kept, but no new work is accepted.
            _now = Start.AddHours(1).AddMinutes(1);
            Assert.Empty(host.Sweep());
            Assert.Equal("LeaseEnded", Assert.Throws<PeerStorageException>(() => host.Objects(_holder, leaseId)).ErrorId);
        }
        // The host stores what the holder sent (ciphertext, in real use) where it can be found until the wipe.
        Assert.True(IndexOf(DataArea(), marker.AsSpan(0, 64).ToArray()) >= 0, "the object should be on the carrier before expiry");

        // The node was off when the lease ran out; a new host (a restarted node) wipes it on its first sweep.
        _now = Start.AddHours(2);
        using (var restarted = Host())
        {
            Assert.Equal([leaseId], restarted.Sweep());
            Assert.Empty(restarted.Sweep()); // done once
            var ended = restarted.Leases(_holder).Single();
            Assert.Equal("Expired", ended.State);
            Assert.Equal(0, ended.Objects);
        }
        Assert.All(DataArea(), b => Assert.Equal(0, b));
        Assert.True(_home.State.Read(c => (long)c.Scalar(null, "SELECT COUNT(*) FROM hosted_leases WHERE key_share IS NOT NULL")!) == 0);
        using var vault = VaultStore.Open(_partition.Location);
        Assert.Empty(vault.Regions);
        Assert.True(vault.Check().IsHealthy);
    }

    [Fact]
    public void A_holder_is_warned_once_when_a_lease_it_holds_enters_its_last_tenth()
    {
        var lease = new PeerLease
        {
            LeaseId = "lease-1", NodeId = _holder.ToString(), OfferId = "offer-1", Size = 1, Created = Start, Until = Start.AddDays(1),
        };
        HeldLeases.Record(_home, lease, LeaseObjectCipher.NewOwnerKey());
        using var host = Host();
        var maintenance = new LeaseMaintenance(_home, host);
        Assert.Empty(maintenance.Run(Start.AddHours(20)).Warned);   // 4 h left of 24: not yet
        Assert.Equal(["lease-1"], maintenance.Run(Start.AddHours(22)).Warned); // 2 h left: within the last 2.4 h
        Assert.Empty(maintenance.Run(Start.AddHours(23)).Warned);   // once
        Assert.Equal("Expiring", HeldLeases.Describe(_home, HeldLeases.Get(_home, "lease-1"), Start.AddHours(22)).State);
    }

    private byte[] DataArea()
    {
        long offset, end;
        using (var vault = VaultStore.Open(_partition.Location))
        {
            offset = vault.Geometry.DataOffset;
            end = vault.Geometry.BackupSuperblockOffset;
        }
        var all = File.ReadAllBytes(_partition.Location);
        return all[(int)offset..(int)end];
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
