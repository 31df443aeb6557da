using System.Reflection;
using System.Runtime.Loader;

namespace PeerStorage.Module.Tests;

public sealed class DependencyIsolationTests
{
    private static Assembly[] Loaded(string name) =>
        AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == name).ToArray();

    [Fact]
    public void The_module_works_beside_other_versions_of_Serilog_and_SQLite_and_keeps_its_own_in_its_own_context()
    {
        Assert.NotNull(ForeignDependencies.SqliteVersion); // the host's SQLite is loaded and was used
        using var ps = new PowerShellSession();
        using var home = new TempNodeHome();
        var created = ps.Run("Initialize-PeerNode -NodePath $args[0] -Port 0; Get-PeerNode -NodePath $args[0]; Get-PeerJob -NodePath $args[0]", home.Path);
        Assert.Null(created.Terminating);
        Assert.Empty(created.Errors);
        Assert.Equal(2, created.Output.Count);

        foreach (var (name, hostMajor, moduleMajor) in new[] { ("Serilog", 2, 4), ("Microsoft.Data.Sqlite", 9, 11) })
        {
            var copies = Loaded(name);
            Assert.Equal(2, copies.Length);
            var host = Assert.Single(copies, a => AssemblyLoadContext.GetLoadContext(a) == AssemblyLoadContext.Default);
            var module = Assert.Single(copies, a => AssemblyLoadContext.GetLoadContext(a)?.Name == "PeerStorage");
            Assert.Equal(hostMajor, host.GetName().Version!.Major);
            Assert.Equal(moduleMajor, module.GetName().Version!.Major);
        }

        var engine = Assert.Single(Loaded("PeerStorage.Core"));
        Assert.Equal("PeerStorage", AssemblyLoadContext.GetLoadContext(engine)?.Name);
        var model = Assert.Single(Loaded("PeerStorage.Model"));
        Assert.Equal(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(model));
        var cmdlets = Assert.Single(Loaded("PeerStorage.PowerShell"));
        Assert.StartsWith(ModuleFolder.Path, cmdlets.Location);

        if (OperatingSystem.IsLinux())
        {
            // The module's native SQLite is its own file from <module>/<rid>/, mapped beside the host's.
            var maps = File.ReadAllText("/proc/self/maps");
            Assert.Contains(Path.Combine(ModuleFolder.Path, "linux-x64", "libe_sqlite3.so"), maps);
        }
    }

    [Fact]
    public void The_cmdlet_layer_never_touches_the_isolated_libraries_directly()
    {
        // A cmdlet assembly that used a Serilog or SQLite type would bind it in the default context, where another
        // module's version may sit: the engine must be the only one to use them.
        // Read the references from metadata: loading a second copy of the module dll is exactly what must not happen.
        using var file = File.OpenRead(Path.Combine(ModuleFolder.Path, "PeerStorage.PowerShell.dll"));
        using var pe = new System.Reflection.PortableExecutable.PEReader(file);
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var references = metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToArray();
        Assert.DoesNotContain(references, n => n!.StartsWith("Serilog", StringComparison.Ordinal) || n.Contains("Sqlite", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("PeerStorage.Core", references);
    }

    [Theory]
    [InlineData("linux-x64", "libe_sqlite3.so")]
    [InlineData("linux-arm64", "libe_sqlite3.so")]
    [InlineData("win-x64", "e_sqlite3.dll")]
    [InlineData("osx-x64", "libe_sqlite3.dylib")]
    [InlineData("osx-arm64", "libe_sqlite3.dylib")]
    public void Native_SQLite_is_laid_out_for_every_supported_platform(string rid, string file)
    {
        var path = Path.Combine(ModuleFolder.Path, rid, file);
        Assert.True(new FileInfo(path).Length > 100_000, path);
    }
}
