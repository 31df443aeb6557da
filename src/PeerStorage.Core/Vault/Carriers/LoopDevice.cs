using System.Text.RegularExpressions;

namespace PeerStorage.Core.Vault;

/// <summary>
/// Loop devices over a range of a file (a GPT partition inside a disk image), through losetup. A range that is
/// already attached is reused, so every opener of one partition meets the same device and its exclusive lock.
/// </summary>
internal static partial class LoopDevice
{
    /// <summary>
    /// The loop device attached to <paramref name="file"/> at <paramref name="offset"/> with this size, or null; the
    /// lowest-numbered when there are several, so openers racing to attach all settle on the same one.
    /// </summary>
    public static string? FindAttached(string file, long offset, long size)
    {
        var result = ExternalTool.Run("losetup", "--associated", file, "--offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (result.ExitCode != 0) return null;
        return LoopName().Matches(result.Output).Select(m => m.Groups[1].Value)
            .Where(device => BlockDeviceSize.Of(device) == size)
            .OrderBy(device => int.Parse(device["/dev/loop".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
    }

    /// <summary>Attaches a new loop device over bytes [offset, offset + size) of the file; returns its path.</summary>
    public static string Attach(string file, long offset, long size)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var device = ExternalTool.RunChecked("losetup", "--find", "--show", "--offset", offset.ToString(inv), "--sizelimit", size.ToString(inv), file).Output.Trim();
        // devtmpfs creates the node with the device; wait briefly in case udev is slower.
        for (var i = 0; i < 50 && !File.Exists(device); i++) Thread.Sleep(20);
        return device;
    }

    public static void Detach(string device) => ExternalTool.Run("losetup", "--detach", device);

    [GeneratedRegex(@"^(/dev/loop\d+):", RegexOptions.Multiline)]
    private static partial Regex LoopName();
}
