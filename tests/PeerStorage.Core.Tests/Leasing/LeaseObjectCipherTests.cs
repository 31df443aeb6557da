using PeerStorage.Core.Leasing;

namespace PeerStorage.Core.Tests.Leasing;

/// <summary>What the holder sends is ciphertext that only its owner key opens, and any change to it is caught.</summary>
public sealed class LeaseObjectCipherTests
{
    private const int Chunk = LeaseObjectCipher.ChunkSize;

    private static async Task<byte[]> Seal(LeaseObjectCipher cipher, byte[] plain, string nameKey)
    {
        using var sealedStream = new MemoryStream();
        await cipher.EncryptAsync(new MemoryStream(plain), plain.Length, nameKey, sealedStream, null, CancellationToken.None);
        return sealedStream.ToArray();
    }

    private static async Task<byte[]> Open(LeaseObjectCipher cipher, byte[] sealedBytes, string nameKey)
    {
        using var plain = new MemoryStream();
        await cipher.DecryptAsync(new MemoryStream(sealedBytes), sealedBytes.Length, nameKey, plain, null, CancellationToken.None);
        return plain.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk + 5)]
    public async Task Objects_of_every_length_round_trip_and_take_the_predicted_space(int length)
    {
        using var cipher = new LeaseObjectCipher(LeaseObjectCipher.NewOwnerKey(), Share());
        var plain = Vault.VaultDataTests.Random(length, seed: length);
        var key = cipher.NameKey("backup/" + length);
        var sealedBytes = await Seal(cipher, plain, key);
        Assert.Equal(LeaseObjectCipher.StoredLength(length), sealedBytes.Length);
        Assert.Equal(length, LeaseObjectCipher.PlainLength(sealedBytes.Length));
        Assert.Equal(plain, await Open(cipher, sealedBytes, key));
        if (length >= 64) Assert.DoesNotContain(Convert.ToHexString(plain[..32]), Convert.ToHexString(sealedBytes));
    }

    [Fact]
    public async Task A_flipped_bit_a_cut_off_tail_another_name_or_another_key_is_refused()
    {
        var ownerKey = LeaseObjectCipher.NewOwnerKey();
        var share = Share();
        using var cipher = new LeaseObjectCipher(ownerKey, share);
        var plain = Vault.VaultDataTests.Random(2 * Chunk + 100, seed: 3);
        var key = cipher.NameKey("a");
        var sealedBytes = await Seal(cipher, plain, key);

        var flipped = (byte[])sealedBytes.Clone();
        flipped[Chunk + 500] ^= 1;
        Assert.Equal("LeaseObjectTampered", (await Assert.ThrowsAsync<PeerStorageException>(() => Open(cipher, flipped, key))).ErrorId);

        // Cut after the first two whole chunks: what is left looks like a shorter object whose last chunk is not marked last.
        var cut = sealedBytes[..(LeaseObjectCipher.HeaderSize + 2 * (Chunk + LeaseObjectCipher.TagSize))];
        Assert.Equal("LeaseObjectTampered", (await Assert.ThrowsAsync<PeerStorageException>(() => Open(cipher, cut, key))).ErrorId);

        Assert.Equal("LeaseObjectTampered", (await Assert.ThrowsAsync<PeerStorageException>(() => Open(cipher, sealedBytes, cipher.NameKey("b")))).ErrorId);
        using var stranger = new LeaseObjectCipher(LeaseObjectCipher.NewOwnerKey(), Share());
        Assert.Equal("LeaseObjectTampered", (await Assert.ThrowsAsync<PeerStorageException>(() => Open(stranger, sealedBytes, key))).ErrorId);
    }

    [Fact]
    public void Names_are_hashed_and_sealed_per_owner_key()
    {
        using var a = new LeaseObjectCipher(LeaseObjectCipher.NewOwnerKey(), Share());
        using var b = new LeaseObjectCipher(LeaseObjectCipher.NewOwnerKey(), Share());
        Assert.Equal(a.NameKey("payroll.xlsx"), a.NameKey("payroll.xlsx"));
        Assert.NotEqual(a.NameKey("payroll.xlsx"), b.NameKey("payroll.xlsx"));
        Assert.Matches("^[0-9a-f]{64}$", a.NameKey("x"));
        var sealedName = a.SealName("payroll.xlsx");
        Assert.DoesNotContain("payroll", sealedName);
        Assert.Equal("payroll.xlsx", a.OpenName(sealedName));
        Assert.Null(b.OpenName(sealedName));
        Assert.Null(a.OpenName("not base64!"));
    }

    [Fact]
    public async Task Once_the_host_destroyed_its_share_the_owner_key_alone_opens_nothing()
    {
        var ownerKey = LeaseObjectCipher.NewOwnerKey();
        using var cipher = new LeaseObjectCipher(ownerKey, Share());
        var plain = Vault.VaultDataTests.Random(10_000, seed: 9);
        var key = cipher.NameKey("x");
        var sealedBytes = await Seal(cipher, plain, key);
        var sealedName = cipher.SealName("x");
        // The same owner key with any other share (the destroyed one cannot be had back) derives other keys.
        using var withoutShare = new LeaseObjectCipher(ownerKey, Share());
        Assert.NotEqual(key, withoutShare.NameKey("x"));
        Assert.Null(withoutShare.OpenName(sealedName));
        Assert.Equal("LeaseObjectTampered", (await Assert.ThrowsAsync<PeerStorageException>(() => Open(withoutShare, sealedBytes, key))).ErrorId);
    }

    private static byte[] Share() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(LeaseObjectCipher.KeyShareBytes);
}
