using System.Buffers.Binary;
using System.Security.Cryptography;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

public sealed class VaultFormatTests : IDisposable
{
    private const long Size = 16 * 1024 * 1024;
    private readonly TempDirectory _temp = new();

    public VaultFormatTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void FormatThenOpenKeepsIdentityAndSize()
    {
        var path = _temp.Combine("vault.bin");
        Guid id;
        long size;
        using (var vault = VaultStore.Format(path, Size))
        {
            id = vault.Id;
            size = vault.Size;
            Assert.Equal(0, vault.Used);
            Assert.Equal(vault.Size, vault.Available);
            Assert.True(vault.Size > Size * 9 / 10, $"metadata should take little of the space, data is {vault.Size}");
        }
        Assert.Equal(Size, new FileInfo(path).Length);
        using var reopened = VaultStore.Open(path);
        Assert.Equal(id, reopened.Id);
        Assert.Equal(size, reopened.Size);
        Assert.Empty(reopened.Regions);
        Assert.True(reopened.Check().IsHealthy);
    }

    [Fact]
    public void ContainerFileIsOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        var path = _temp.Combine("vault.bin");
        VaultStore.Format(path, Size).Dispose();
        Assert.True(PeerStorage.Core.Platform.OwnerOnly.IsRestricted(path));
    }

    [Fact]
    public void OpeningSomethingElseIsRefusedAsNotFormatted()
    {
        var path = _temp.Combine("random.bin");
        File.WriteAllBytes(path, new byte[Size]);
        var error = Assert.Throws<PeerStorageException>(() => VaultStore.Open(path));
        Assert.Equal("VaultNotFormatted", error.ErrorId);
    }

    [Fact]
    public void BothSuperblocksCorruptIsRefusedAndNothingIsWritten()
    {
        var path = _temp.Combine("vault.bin");
        VaultStore.Format(path, Size).Dispose();
        FlipByte(path, 100);
        FlipByte(path, Size - 4096 + 100);
        var before = Hash(path);
        var error = Assert.Throws<PeerStorageException>(() => VaultStore.Open(path));
        Assert.Equal("VaultCorrupt", error.ErrorId);
        Assert.Equal(PeerErrorKind.InvalidData, error.Kind);
        Assert.Equal(before, Hash(path));
    }

    [Fact]
    public void DamagedPrimarySuperblockFallsBackToTheBackup()
    {
        var path = _temp.Combine("vault.bin");
        Guid id;
        using (var vault = VaultStore.Format(path, Size))
        {
            id = vault.Id;
            var region = vault.Allocate("owner", 1000);
            vault.Write(region, 0, new byte[] { 1, 2, 3 });
        }
        FlipByte(path, 40);
        using var reopened = VaultStore.Open(path);
        Assert.Equal(id, reopened.Id);
        Assert.Single(reopened.Regions);
        Assert.True(reopened.Check().IsHealthy);
    }

    [Fact]
    public void NewerFormatVersionIsRefused()
    {
        var path = _temp.Combine("vault.bin");
        VaultStore.Format(path, Size).Dispose();
        foreach (var offset in new[] { 0L, Size - 4096 }) RewriteVersion(path, offset, 99);
        var before = Hash(path);
        var error = Assert.Throws<PeerStorageException>(() => VaultStore.Open(path));
        Assert.Equal("VaultVersionUnsupported", error.ErrorId);
        Assert.Equal(before, Hash(path));
    }

    [Theory]
    [InlineData(1080, new byte[] { 0x53, 0xEF }, "ext")]
    [InlineData(0, new byte[] { (byte)'X', (byte)'F', (byte)'S', (byte)'B' }, "XFS")]
    [InlineData(3, new byte[] { (byte)'N', (byte)'T', (byte)'F', (byte)'S', 32, 32, 32, 32 }, "NTFS")]
    [InlineData(82, new byte[] { (byte)'F', (byte)'A', (byte)'T', (byte)'3', (byte)'2', 32, 32, 32 }, "FAT32")]
    public void ForeignFilesystemIsRefusedWithoutForce(int offset, byte[] magic, string name)
    {
        var path = _temp.Combine("disk.img");
        var content = new byte[Size];
        RandomNumberGenerator.Fill(content.AsSpan(0, 4096));
        content.AsSpan(0, 8).Clear(); // keep random bytes from looking like any signature at offset 0
        magic.CopyTo(content, offset);
        File.WriteAllBytes(path, content);
        var before = Hash(path);
        var error = Assert.Throws<PeerStorageException>(() => VaultStore.Format(path, Size));
        Assert.Equal("VaultTargetNotEmpty", error.ErrorId);
        Assert.Contains(name, error.Message);
        Assert.Equal(before, Hash(path));

        using var forced = VaultStore.Format(path, Size, force: true);
        Assert.True(forced.Check().IsHealthy);
    }

    [Fact]
    public void ExistingVaultIsRefusedWithoutForce()
    {
        var path = _temp.Combine("vault.bin");
        VaultStore.Format(path, Size).Dispose();
        var before = Hash(path);
        Assert.Equal("VaultTargetNotEmpty", Assert.Throws<PeerStorageException>(() => VaultStore.Format(path, Size)).ErrorId);
        Assert.Equal(before, Hash(path));
        // A vault whose primary superblock is gone is still recognized by its backup.
        FlipByte(path, 0);
        Assert.Equal("VaultTargetNotEmpty", Assert.Throws<PeerStorageException>(() => VaultStore.Format(path, Size)).ErrorId);
    }

    [Fact]
    public void TooSmallIsRefusedAndLeavesNoFile()
    {
        var path = _temp.Combine("tiny.bin");
        Assert.Equal("VaultTooSmall", Assert.Throws<PeerStorageException>(() => VaultStore.Format(path, 64 * 1024)).ErrorId);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void MissingCarrierIsNotFound()
    {
        var error = Assert.Throws<PeerStorageException>(() => VaultStore.Open(_temp.Combine("absent.bin")));
        Assert.Equal("VaultNotFound", error.ErrorId);
    }

    internal static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    internal static void FlipByte(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ 0xFF));
    }

    /// <summary>Writes a superblock that is well-formed except for its version, re-sealed with a valid checksum.</summary>
    private static void RewriteVersion(string path, long offset, uint version)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var block = new byte[4096];
        stream.Position = offset;
        stream.ReadExactly(block);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(8), version);
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(160), System.IO.Hashing.XxHash64.HashToUInt64(block.AsSpan(0, 160)));
        stream.Position = offset;
        stream.Write(block);
    }
}
