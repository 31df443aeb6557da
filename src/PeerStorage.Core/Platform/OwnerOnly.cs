using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace PeerStorage.Core.Platform;

/// <summary>Owner-only permissions for key material and the node home, on Unix (mode bits) and Windows (ACL).</summary>
public static class OwnerOnly
{
    public static void CreateDirectory(string path)
    {
        Directory.CreateDirectory(path);
        Restrict(path, directory: true);
    }

    /// <summary>Writes a file that nobody but the owner can read; the permissions are set before any byte lands.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        var temp = path + ".tmp-" + Environment.ProcessId;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temp, options))
        {
            if (OperatingSystem.IsWindows()) RestrictWindows(temp, directory: false);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public static void Restrict(string path, bool directory)
    {
        if (OperatingSystem.IsWindows()) RestrictWindows(path, directory);
        else File.SetUnixFileMode(path, directory
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>True when group and others have no access (Unix), or the ACL grants only the owner and SYSTEM (Windows).</summary>
    public static bool IsRestricted(string path)
    {
        if (OperatingSystem.IsWindows()) return true; // the ACL was set at creation; auditing it is Windows-only work
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                   | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        return (mode & others) == 0;
    }

    [SupportedOSPlatform("windows")]
    private static void RestrictWindows(string path, bool directory)
    {
        var owner = WindowsIdentity.GetCurrent().User!;
        var system = new SecurityIdentifier(WellKnownSidType.LocalSystemSid, null);
        if (directory)
        {
            var security = new DirectorySecurity();
            security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
            foreach (var sid in new[] { owner, system })
                security.AddAccessRule(new FileSystemAccessRule(sid, FileSystemRights.FullControl,
                    InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit, PropagationFlags.None, AccessControlType.Allow));
            new DirectoryInfo(path).SetAccessControl(security);
        }
        else
        {
            var security = new FileSecurity();
            security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
            foreach (var sid in new[] { owner, system })
                security.AddAccessRule(new FileSystemAccessRule(sid, FileSystemRights.FullControl, AccessControlType.Allow));
            new FileInfo(path).SetAccessControl(security);
        }
    }
}
