using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace PeerStorage.PowerShell.Loading;

/// <summary>
/// Wires the default context to the module's own context when the module is imported: a request from the cmdlets
/// for the engine assembly is answered from <see cref="ModuleLoadContext"/>, and from then on the engine's own
/// references resolve inside that context. Cmdlet signatures use only the object model and the BCL, so PowerShell's
/// scan of the cmdlet types never needs the engine before this runs.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly object Gate = new();
    private static ModuleLoadContext? _context;
    private const string EngineAssemblyName = "PeerStorage.Core";

    internal static ModuleLoadContext Context
    {
        get
        {
            Register();
            return _context!;
        }
    }

    public void OnImport() => Register();

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        // The engine stays loaded (contexts holding native SQLite cannot be unloaded safely); a re-import reuses it.
    }

    internal static void Register()
    {
        lock (Gate)
        {
            if (_context is not null) return;
            var moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
            _context = new ModuleLoadContext(moduleDirectory);
            AssemblyLoadContext.Default.Resolving += ResolveEngine;
        }
    }

    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name)
    {
        // Only the engine is redirected; everything else the default context cannot find is not ours to answer.
        if (name.Name != EngineAssemblyName || _context is null) return null;
        return _context.LoadFromAssemblyName(name);
    }
}
