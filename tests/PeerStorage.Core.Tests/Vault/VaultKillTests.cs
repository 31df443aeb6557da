using System.Diagnostics;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

/// <summary>
/// Real crashes: a child process writes into the vault and is killed with SIGKILL at random moments, many times;
/// after each kill the vault must open, pass its check, and hold every write the child had logged as acknowledged.
/// The child writes both ways: durable Writes, and streams through a VaultWriter whose commits it logs.
/// </summary>
/// <remarks>Not in parallel with other tests: see <see cref="VaultFaultInjectionTests"/> (forked children and the carrier lock).</remarks>
[Collection(nameof(VaultFaultInjectionTests))]
public sealed class VaultKillTests : IDisposable
{
    private const int Kills = 40;
    private readonly TempDirectory _temp = new();

    public VaultKillTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AcknowledgedWritesSurviveSigkill()
    {
        var vaultPath = _temp.Combine("vault.bin");
        var logPath = _temp.Combine("acknowledged.log");
        VaultStore.Format(vaultPath, 16 * 1024 * 1024).Dispose();
        var rng = new Random(20261123);
        var acknowledgedWrites = 0;
        for (var kill = 1; kill <= Kills; kill++)
        {
            RunAndKill(vaultPath, logPath, seed: rng.Next(), killAfter: TimeSpan.FromMilliseconds(rng.Next(0, 400)));
            acknowledgedWrites = Verify(vaultPath, logPath, $"after kill {kill}");
        }
        Assert.True(acknowledgedWrites > 50, $"the child should have done real work, logged {acknowledgedWrites} writes");
    }

    private static void RunAndKill(string vaultPath, string logPath, int seed, TimeSpan killAfter)
    {
        var start = new ProcessStartInfo(CrashWriterProgram.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { CrashWriterProgram.DllPath, vaultPath, logPath, seed.ToString() }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(60)) || ready.Result != "ready")
        {
            process.Kill();
            Assert.Fail($"The crash writer did not start: {ready.Status} {process.StandardError.ReadToEnd()}");
        }
        Thread.Sleep(killAfter);
        if (process.HasExited) Assert.Fail("The crash writer stopped by itself: " + process.StandardError.ReadToEnd());
        process.Kill(); // SIGKILL on Unix: no finally blocks, no Dispose, no checkpoint
        process.WaitForExit();
    }

    /// <summary>Checks the vault against the log; returns how many writes the log holds.</summary>
    private static int Verify(string vaultPath, string logPath, string context)
    {
        var allocated = new List<Guid>();
        var freeing = new HashSet<Guid>();
        var freed = new HashSet<Guid>();
        var writes = new List<(Guid Region, long Offset, int Length, int Seed)>();
        foreach (var line in File.ReadAllLines(logPath))
        {
            var part = line.Split(' ');
            if (part.Length < 2 || !Guid.TryParse(part[1], out var id)) continue; // the last line may be cut short
            switch (part[0])
            {
                case "A" when part.Length == 3: allocated.Add(id); break;
                case "W" when part.Length == 5: writes.Add((id, long.Parse(part[2]), int.Parse(part[3]), int.Parse(part[4]))); break;
                case "f": freeing.Add(id); break;
                case "F": freed.Add(id); break;
            }
        }

        using var vault = VaultStore.Open(vaultPath);
        var check = vault.Check();
        Assert.True(check.IsHealthy, $"{context}: {check}");
        var present = vault.Regions.ToDictionary(r => r.Id);
        foreach (var id in allocated.Where(id => !freed.Contains(id)))
            Assert.True(present.ContainsKey(id) || freeing.Contains(id), $"{context}: acknowledged region {id} is missing");
        foreach (var id in freed) Assert.False(present.ContainsKey(id), $"{context}: freed region {id} is back");
        foreach (var (id, offset, length, seed) in writes)
        {
            if (!present.TryGetValue(id, out var region)) continue; // freed since
            var expected = new byte[length];
            new Random(seed).NextBytes(expected);
            var actual = new byte[length];
            vault.Read(region, offset, actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{context}: the write of {length} bytes at {offset} in {id} did not survive");
        }
        return writes.Count;
    }
}
