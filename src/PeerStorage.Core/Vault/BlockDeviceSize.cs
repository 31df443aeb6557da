namespace PeerStorage.Core.Vault;

/// <summary>A Linux block device's capacity from sysfs (stat reports 0 for devices).</summary>
internal static class BlockDeviceSize
{
    public static long? Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var info = new FileInfo(path);
            var target = info.LinkTarget is null ? path : info.ResolveLinkTarget(returnFinalTarget: true)!.FullName;
            if (!target.StartsWith("/dev/", StringComparison.Ordinal)) return null;
            var sizeFile = $"/sys/class/block/{System.IO.Path.GetFileName(target)}/size";
            if (!File.Exists(sizeFile)) return null;
            return long.Parse(File.ReadAllText(sizeFile).Trim()) * 512; // sysfs counts 512-byte sectors whatever the device's
        }
        catch (IOException) { return null; }
        catch (FormatException) { return null; }
    }
}
