using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

/// <summary>
/// Simulated crashes: a hook in the device layer stops the vault at its n-th write or flush, for every n a script of
/// operations reaches; the vault is then dropped without a checkpoint (as a killed process leaves it) and reopened.
/// What a killed process wrote before it died is in the page cache, so it is on "disk" here too. A second test
/// cuts each write short at a sector boundary instead (a device persisting part of an interrupted write); losing
/// whole unflushed writes on power loss is not simulated.
/// </summary>
public sealed class VaultFaultInjectionTests : IDisposable
{
    private const long Size = 8 * 1024 * 1024;
    private readonly TempDirectory _temp = new();

    public VaultFaultInjectionTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    private sealed class SimulatedCrash : Exception;

    [Fact]
    public void EveryCrashPointRecoversAcknowledgedWork()
    {
        var path = _temp.Combine("vault.bin");
        var totalPoints = CountPoints(path);
        Assert.True(totalPoints > 100, $"the script should reach many I/O points, reached {totalPoints}");
        for (var crashAt = 1; crashAt <= totalPoints; crashAt++)
        {
            var model = new VaultModel();
            var vault = VaultStore.Format(path, Size, force: true);
            var points = 0;
            VaultDevice.FaultPoint = _ => { if (++points == crashAt) throw new SimulatedCrash(); };
            try { RunScript(vault, model); }
            catch (SimulatedCrash) { }
            finally { VaultDevice.FaultPoint = null; }
            vault.Abandon();

            using var reopened = VaultStore.Open(path);
            model.Verify(reopened, $"crash at I/O point {crashAt} of {totalPoints}");
        }
    }

    [Fact]
    public void TornWritesAtEveryWritePointRecoverAcknowledgedWork()
    {
        var path = _temp.Combine("vault.bin");
        var totalWrites = CountPoints(path, "write");
        var rng = new Random(7);
        for (var tearAt = 1; tearAt <= totalWrites; tearAt++)
        {
            var model = new VaultModel();
            var vault = VaultStore.Format(path, Size, force: true);
            var writes = 0;
            // A prefix in whole 512-byte sectors lands, as a disk persists an interrupted write.
            VaultDevice.TearWrite = length => ++writes == tearAt ? rng.Next(0, length / 512 + 1) * 512 % (length + 1) : null;
            try { RunScript(vault, model); }
            catch (IOException) { }
            finally { VaultDevice.TearWrite = null; }
            vault.Abandon();

            using var reopened = VaultStore.Open(path);
            model.Verify(reopened, $"torn write {tearAt} of {totalWrites}");
        }
    }

    private static int CountPoints(string path, string? kind = null)
    {
        var vault = VaultStore.Format(path, Size, force: true);
        var points = 0;
        VaultDevice.FaultPoint = k => { if (kind is null || k == kind) points++; };
        try { RunScript(vault, new VaultModel()); }
        finally { VaultDevice.FaultPoint = null; }
        vault.Dispose();
        return points;
    }

    /// <summary>Allocations, aligned and unaligned writes, a wipe, a free, and enough records to wrap the journal once.</summary>
    private static void RunScript(VaultStore vault, VaultModel model)
    {
        var a = model.Allocate(vault, "a", 150_000);
        var b = model.Allocate(vault, "b", 70_000);
        model.Write(vault, a, 0, VaultDataTests.Random(9000, 1));
        model.Write(vault, b, 4096, VaultDataTests.Random(4096, 2));
        model.Write(vault, a, 5000, VaultDataTests.Random(100, 3));
        model.Wipe(vault, b);
        model.Write(vault, b, 10, VaultDataTests.Random(70_000 - 10, 4));
        var c = model.Allocate(vault, "c", 300_000);
        model.Free(vault, a);
        for (var i = 0; i < 70; i++) model.Write(vault, c, i * 4000 + 7, VaultDataTests.Random(3000, 100 + i));
        model.Free(vault, b);
        model.Allocate(vault, "d", 64 * 1024);
    }
}
