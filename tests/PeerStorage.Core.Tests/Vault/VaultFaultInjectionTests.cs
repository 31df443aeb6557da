using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

/// <summary>
/// Simulated crashes: a hook in the device layer stops the vault at its n-th write or flush, for every n a script of
/// operations reaches; the vault is then dropped without a checkpoint (as a killed process leaves it) and reopened.
/// What a killed process wrote before it died is in the page cache, so it is on "disk" here too. A second test
/// cuts each write short at a sector boundary instead (a device persisting part of an interrupted write); losing
/// whole unflushed writes on power loss is not simulated. The same again for a script that streams through a
/// <see cref="VaultWriter"/> (batches, commits, a partial block carried across a commit).
/// </summary>
/// <remarks>
/// Not run in parallel with other tests: they reopen one carrier hundreds of times in a row, and the carrier's
/// exclusive lock is briefly held on by any child process another test forks in between (until it execs).
/// </remarks>
[Collection(nameof(VaultFaultInjectionTests))]
public sealed class VaultFaultInjectionTests : IDisposable
{
    private const long Size = 8 * 1024 * 1024;
    private readonly TempDirectory _temp = new();

    public VaultFaultInjectionTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    private sealed class SimulatedCrash : Exception;

    [Fact]
    public void EveryCrashPointRecoversAcknowledgedWork() => EveryCrashPoint(RunScript, minimumPoints: 100);

    [Fact]
    public void TornWritesAtEveryWritePointRecoverAcknowledgedWork() => TornWritesAtEveryWritePoint(RunScript);

    [Fact]
    public void EveryCrashPointOfAStreamingWriterRecoversCommittedWork() => EveryCrashPoint(RunWriterScript, minimumPoints: 30);

    [Fact]
    public void TornWritesOfAStreamingWriterRecoverCommittedWork() => TornWritesAtEveryWritePoint(RunWriterScript);

    [Fact]
    public void EveryCrashPointOfADiscardAndTheStreamIntoItRecoversCommittedWork() => EveryCrashPoint(RunDiscardScript, minimumPoints: 10);

    [Fact]
    public void TornWritesOfADiscardAndTheStreamIntoItRecoverCommittedWork() => TornWritesAtEveryWritePoint(RunDiscardScript);

    private void EveryCrashPoint(Action<VaultStore, VaultModel> script, int minimumPoints)
    {
        var path = _temp.Combine("vault.bin");
        var totalPoints = CountPoints(path, script);
        Assert.True(totalPoints > minimumPoints, $"the script should reach many I/O points, reached {totalPoints}");
        for (var crashAt = 1; crashAt <= totalPoints; crashAt++)
        {
            var model = new VaultModel();
            var vault = VaultStore.Format(path, Size, force: true);
            var points = 0;
            VaultDevice.FaultPoint = _ => { if (++points == crashAt) throw new SimulatedCrash(); };
            try { script(vault, model); }
            catch (SimulatedCrash) { }
            finally { VaultDevice.FaultPoint = null; }
            vault.Abandon();

            VerifyThroughBothSlots(path, model, $"crash at I/O point {crashAt} of {totalPoints}");
        }
    }

    private void TornWritesAtEveryWritePoint(Action<VaultStore, VaultModel> script)
    {
        var path = _temp.Combine("vault.bin");
        var totalWrites = CountPoints(path, script, "write");
        var rng = new Random(7);
        for (var tearAt = 1; tearAt <= totalWrites; tearAt++)
        {
            var model = new VaultModel();
            var vault = VaultStore.Format(path, Size, force: true);
            var writes = 0;
            // A prefix in whole 512-byte sectors lands, as a disk persists an interrupted write.
            VaultDevice.TearWrite = length => ++writes == tearAt ? rng.Next(0, length / 512 + 1) * 512 % (length + 1) : null;
            try { script(vault, model); }
            catch (IOException) { }
            finally { VaultDevice.TearWrite = null; }
            vault.Abandon();

            VerifyThroughBothSlots(path, model, $"torn write {tearAt} of {totalWrites}");
        }
    }

    /// <summary>
    /// Reopens and verifies; then checkpoints into the other slot (which gets only the checksum-table pages it lacks)
    /// and reopens from it, so a slot brought up to date by pages alone is verified too.
    /// </summary>
    private static void VerifyThroughBothSlots(string path, VaultModel model, string context)
    {
        using (var reopened = VaultStore.Open(path))
        {
            model.Verify(reopened, context);
            reopened.Checkpoint();
        }
        using var again = VaultStore.Open(path);
        model.Verify(again, context + ", reopened from the other slot");
    }

    private static int CountPoints(string path, Action<VaultStore, VaultModel> script, string? kind = null)
    {
        var vault = VaultStore.Format(path, Size, force: true);
        var points = 0;
        VaultDevice.FaultPoint = k => { if (kind is null || k == kind) points++; };
        try { script(vault, new VaultModel()); }
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

    /// <summary>
    /// A writer with small batches (so several seal within one commit) opened at an unaligned offset inside written
    /// data, unaligned chunks, a commit that leaves a partial block which the next chunk completes (an overwrite),
    /// a commit by Dispose, and plain writes before and after.
    /// </summary>
    private static void RunWriterScript(VaultStore vault, VaultModel model)
    {
        vault.BatchBytes = 64 * 1024;
        var a = model.Allocate(vault, "a", 700_000);
        model.Write(vault, a, 0, VaultDataTests.Random(10_000, 1));
        var writer = model.OpenWriter(vault, a, 5000);
        var seed = 10;
        foreach (var length in new[] { 3000, 70_000, 1, 4096, 150_000 }) model.WriterWrite(writer, VaultDataTests.Random(length, seed++));
        model.WriterCommit(writer);
        foreach (var length in new[] { 100_000, 33_333 }) model.WriterWrite(writer, VaultDataTests.Random(length, seed++));
        model.WriterCommit(writer);
        model.WriterWrite(writer, VaultDataTests.Random(20_000, seed++));
        model.WriterCommit(writer, dispose: true);
        model.Write(vault, a, 380_000, VaultDataTests.Random(5000, seed));
    }

    /// <summary>
    /// Written data, an unaligned range of it discarded and streamed into (fresh-block batches over blocks that held
    /// acknowledged data), committed; then a second discard over committed stream data and a stream cut off before
    /// its commit, then a plain write.
    /// </summary>
    private static void RunDiscardScript(VaultStore vault, VaultModel model)
    {
        vault.BatchBytes = 64 * 1024;
        var a = model.Allocate(vault, "a", 400_000);
        model.Write(vault, a, 0, VaultDataTests.Random(400_000, 1));
        model.Discard(vault, a, 5000, 200_000);
        var writer = model.OpenWriter(vault, a, 5000);
        foreach (var (length, seed) in new[] { (70_000, 2), (130_000, 3) }) model.WriterWrite(writer, VaultDataTests.Random(length, seed));
        model.WriterCommit(writer, dispose: true);
        model.Discard(vault, a, 100_000, 250_000);
        writer = model.OpenWriter(vault, a, 100_000);
        model.WriterWrite(writer, VaultDataTests.Random(150_000, 4));
        model.WriterCommit(writer);
        model.WriterWrite(writer, VaultDataTests.Random(90_000, 5));
        model.WriterCommit(writer, dispose: true);
        model.Write(vault, a, 390_000, VaultDataTests.Random(5000, 6));
    }
}

[CollectionDefinition(nameof(VaultFaultInjectionTests), DisableParallelization = true)]
public sealed class VaultFaultInjectionCollection;
