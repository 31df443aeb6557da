using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace PeerStorage.PowerShell.Loading;

/// <summary>
/// The module's own AssemblyLoadContext. The engine (PeerStorage.Core) and everything it depends on (SQLite,
/// Serilog...) load from the module's Dependencies/ folder in here, so another module's or the host's copy of the
/// same libraries, at any version, cannot clash with ours. The public object model (PeerStorage.Model) is shared
/// with the default context, so cmdlets and the engine agree on its types.
/// </summary>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    private readonly string _dependencyDirectory;
    private readonly string _moduleDirectory;

    public ModuleLoadContext(string moduleDirectory) : base("PeerStorage", isCollectible: false)
    {
        _moduleDirectory = moduleDirectory;
        _dependencyDirectory = Path.Combine(moduleDirectory, "Dependencies");
    }

    public string DependencyDirectory => _dependencyDirectory;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name == typeof(PeerNode).Assembly.GetName().Name)
            return typeof(PeerNode).Assembly; // the shared object model: one copy, in the default context
        var candidate = Path.Combine(_dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null; // null: the framework's own assemblies
    }

    /// <summary>Native SQLite for this platform, from &lt;module&gt;/&lt;rid&gt;/.</summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var candidate in NativeCandidates(unmanagedDllName))
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                return handle;
        return IntPtr.Zero; // let the runtime search as usual
    }

    private IEnumerable<string> NativeCandidates(string name)
    {
        var rid = RuntimeIdentifier();
        var fileNames = OperatingSystem.IsWindows() ? new[] { name + ".dll", name }
            : OperatingSystem.IsMacOS() ? new[] { "lib" + name + ".dylib", name + ".dylib", name }
            : new[] { "lib" + name + ".so", name + ".so", name };
        foreach (var file in fileNames)
        {
            yield return Path.Combine(_moduleDirectory, rid, file);
            yield return Path.Combine(_moduleDirectory, file);
        }
    }

    internal static string RuntimeIdentifier()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        };
        return $"{os}-{arch}";
    }
}
