using PeerStorage.Shell.CommandLine;

namespace PeerStorage.Shell.Running;

/// <summary>
/// Decides what to hand to Import-Module: -Module, then $env:PEERSTORAGE_MODULE, then the repository's built
/// out/PeerStorage above the shell, then a PeerStorage folder next to it, then the bare name (PSModulePath).
/// </summary>
internal static class ModuleLocator
{
    public const string ModuleName = "PeerStorage";
    public const string EnvironmentVariable = "PEERSTORAGE_MODULE";
    private const string ManifestName = ModuleName + ".psd1";

    public static string Locate(string? explicitPath, Func<string, string?> environment, string baseDirectory)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return Resolve(explicitPath, "-Module");
        }

        var fromEnvironment = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Resolve(fromEnvironment, "$env:" + EnvironmentVariable);
        }

        for (var dir = new DirectoryInfo(baseDirectory); dir is not null; dir = dir.Parent)
        {
            var built = Path.Combine(dir.FullName, "out", ModuleName, ManifestName);
            if (File.Exists(built))
            {
                return built;
            }
        }

        var besideShell = Path.Combine(baseDirectory, ModuleName, ManifestName);
        return File.Exists(besideShell) ? besideShell : ModuleName;
    }

    // A folder is accepted as well as the manifest itself; the manifest path is what gets imported, so a
    // folder with another name (a versioned install, a copy) still loads.
    private static string Resolve(string path, string source)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return full;
        }

        if (Directory.Exists(full))
        {
            var manifest = Path.Combine(full, ManifestName);
            if (File.Exists(manifest))
            {
                return manifest;
            }

            var manifests = Directory.GetFiles(full, "*.psd1");
            return manifests.Length == 1 ? manifests[0] : full;
        }

        throw new UsageException($"The module path from {source} does not exist: {full}");
    }
}
