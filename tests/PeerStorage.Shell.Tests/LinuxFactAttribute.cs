namespace PeerStorage.Shell.Tests;

/// <summary>A test that needs Linux and the given programs (signals, a pseudo-terminal); reported as skipped elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute(params string[] requiredPrograms)
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Needs Linux.";
            return;
        }

        var missing = requiredPrograms.Where(p => !File.Exists(p)).ToArray();
        if (missing.Length > 0)
        {
            Skip = "Needs " + string.Join(", ", missing) + ".";
        }
    }
}
