using System.Diagnostics;

namespace PeerStorage.Core.Tests.Vault;

/// <summary>
/// A tiny console program that writes into a vault forever and logs each acknowledged operation, for the SIGKILL
/// test. It is compiled on first use from the source below against the engine assemblies this test run loaded,
/// so the test project needs no second project and the child runs exactly the engine under test.
/// </summary>
/// <remarks>
/// Log lines (appended after the vault call returns, so every line is acknowledged work):
/// <c>A id length</c> allocated; <c>W id offset length seed</c> wrote Random(seed) bytes; <c>f id</c> about to free;
/// <c>F id</c> freed. Writes in a region go forward and never overlap an acknowledged one. Every other region is
/// streamed through a <c>VaultWriter</c>: a few chunks, then Commit, and only then their <c>W</c> lines (a commit
/// acknowledges all of them); with 16 MiB vaults a batch is 1 MiB, so some commits span several batches.
/// </remarks>
internal static class CrashWriterProgram
{
    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The built program's dll (run with <c>dotnet &lt;dll&gt;</c>).</summary>
    public static string DllPath => Built.Value;

    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private const string Source = """
        using PeerStorage.Core.Vault;

        var (vaultPath, logPath, seed) = (args[0], args[1], int.Parse(args[2]));
        var log = CrashLog.Read(logPath);
        using var writer = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        using var vault = VaultStore.Open(vaultPath);

        // Reconcile with what a previous run may have done without logging it.
        var inVault = vault.Regions.ToDictionary(r => r.Id);
        foreach (var region in vault.Regions.Where(r => !log.Live.ContainsKey(r.Id)).ToList())
        {
            writer.WriteLine($"f {region.Id}");
            vault.Free(region);
            writer.WriteLine($"F {region.Id}");
        }
        foreach (var id in log.Live.Keys.Where(id => !inVault.ContainsKey(id)).ToList()) { writer.WriteLine($"F {id}"); log.Live.Remove(id); }
        Console.WriteLine("ready");

        var rng = new Random(seed);
        const long RegionLength = 512 * 1024;
        const long StreamedLength = 1536 * 1024;
        while (true)
        {
            var open = log.Live.FirstOrDefault(p => p.Value < log.Length[p.Key]);
            Guid id;
            if (open.Key == Guid.Empty)
            {
                if (log.Live.Count >= 8)
                {
                    var oldest = log.Order.First(log.Live.ContainsKey);
                    writer.WriteLine($"f {oldest}");
                    vault.Free(vault.GetRegion(oldest));
                    writer.WriteLine($"F {oldest}");
                    log.Live.Remove(oldest);
                }
                var regionLength = rng.Next(2) == 0 ? RegionLength : StreamedLength;
                var created = vault.Allocate("crash-writer", regionLength);
                writer.WriteLine($"A {created.Id} {regionLength}");
                log.Live[created.Id] = 0;
                log.Length[created.Id] = regionLength;
                log.Order.Add(created.Id);
                id = created.Id;
            }
            else id = open.Key;

            var offset = log.Live[id];
            var end = log.Length[id];
            if (end == StreamedLength)
            {
                // Streamed: several chunks through one writer, acknowledged together by Commit.
                var chunks = new List<(long Offset, int Length, int Seed)>();
                using (var stream = vault.OpenWriter(vault.GetRegion(id), offset))
                {
                    for (var n = rng.Next(1, 13); n > 0 && offset < end; n--)
                    {
                        var chunkLength = (int)Math.Min(rng.Next(1, 160_000), end - offset);
                        var chunkSeed = rng.Next();
                        var chunk = new byte[chunkLength];
                        new Random(chunkSeed).NextBytes(chunk);
                        stream.Write(chunk);
                        chunks.Add((offset, chunkLength, chunkSeed));
                        offset += chunkLength;
                    }
                    stream.Commit();
                }
                foreach (var (chunkOffset, chunkLength, chunkSeed) in chunks) writer.WriteLine($"W {id} {chunkOffset} {chunkLength} {chunkSeed}");
                log.Live[id] = offset;
                continue;
            }
            var length = (int)Math.Min(rng.Next(1, 40_000), end - offset);
            var dataSeed = rng.Next();
            var data = new byte[length];
            new Random(dataSeed).NextBytes(data);
            vault.Write(vault.GetRegion(id), offset, data);
            writer.WriteLine($"W {id} {offset} {length} {dataSeed}");
            log.Live[id] = offset + length;
        }

        sealed class CrashLog
        {
            public Dictionary<Guid, long> Live { get; } = [];
            public Dictionary<Guid, long> Length { get; } = [];
            public List<Guid> Order { get; } = [];

            public static CrashLog Read(string path)
            {
                var log = new CrashLog();
                if (!File.Exists(path)) return log;
                foreach (var line in File.ReadAllLines(path))
                {
                    var part = line.Split(' ');
                    if (part.Length < 2 || !Guid.TryParse(part[1], out var id)) continue; // a line cut short by the kill
                    switch (part[0])
                    {
                        case "A" when part.Length == 3: log.Live[id] = 0; log.Length[id] = long.Parse(part[2]); log.Order.Add(id); break;
                        case "W" when part.Length == 5: log.Live[id] = long.Parse(part[2]) + long.Parse(part[3]); break;
                        case "F": log.Live.Remove(id); break;
                    }
                }
                return log;
            }
        }
        """;

    private static string Build()
    {
        var directory = Path.Combine(Path.GetTempPath(), "peerstorage-vault-crashwriter-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        var references = new[]
        {
            typeof(PeerStorage.Core.Vault.VaultStore).Assembly.Location,
            typeof(PeerStorageException).Assembly.Location,
            typeof(System.IO.Hashing.XxHash64).Assembly.Location,
        };
        var referenceItems = string.Join("\n", references.Select(r =>
            $"""    <Reference Include="{Path.GetFileNameWithoutExtension(r)}"><HintPath>{r}</HintPath><Private>true</Private></Reference>"""));
        File.WriteAllText(Path.Combine(directory, "CrashWriter.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>disable</Nullable>
              </PropertyGroup>
              <ItemGroup>
            {referenceItems}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), Source);
        var output = Path.Combine(directory, "out");
        var (exitCode, text) = Run(DotnetHost, ["build", directory, "-c", "Release", "-o", output, "--nologo", "-v", "q"], directory, TimeSpan.FromMinutes(4));
        if (exitCode != 0) throw new InvalidOperationException($"Building the crash writer failed ({exitCode}):\n{text}");
        return Path.Combine(output, "CrashWriter.dll");
    }

    private static (int ExitCode, string Output) Run(string file, string[] arguments, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The test host runs under `dotnet test`; its MSBuild variables would point a nested build at the wrong SDK state.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout)) { process.Kill(entireProcessTree: true); return (-1, "timed out"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
