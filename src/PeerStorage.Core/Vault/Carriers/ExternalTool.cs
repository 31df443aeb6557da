using System.Diagnostics;

namespace PeerStorage.Core.Vault;

/// <summary>
/// Runs the system tools the device carriers rely on (sgdisk, losetup, blkid, wipefs, partx) with argument lists,
/// never through a shell, and turns a missing tool or a failure into a PeerStorageException with a stable id.
/// </summary>
internal static class ExternalTool
{
    private static readonly string[] Directories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"];

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string Text => (Output + Error).Trim();
    }

    /// <summary>The tool's full path, or null when it is not installed.</summary>
    public static string? Find(string name) =>
        Directories.Select(d => System.IO.Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public static Result Run(string name, params string[] arguments)
    {
        var file = Find(name) ?? throw new PeerStorageException("CarrierToolMissing", PeerErrorKind.NotFound,
            $"'{name}' is not installed; it is needed for raw device and GPT partition carriers ({ToolPackage(name)}).", target: name);
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["LC_ALL"] = "C"; // parsed output must not be translated
        using var process = Process.Start(start) ?? throw new PeerStorageException("CarrierToolFailed", PeerErrorKind.Unspecified, $"Could not start {file}.", target: name);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
            throw new PeerStorageException("CarrierToolFailed", PeerErrorKind.Unspecified, $"{name} {string.Join(' ', arguments)} did not finish in 2 minutes.", target: name);
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs the tool and throws CarrierToolFailed (naming the command and its output) when it exits non-zero.</summary>
    public static Result RunChecked(string name, params string[] arguments)
    {
        var result = Run(name, arguments);
        if (result.ExitCode != 0)
            throw new PeerStorageException("CarrierToolFailed", PeerErrorKind.Unspecified,
                $"{name} {string.Join(' ', arguments)} failed (exit {result.ExitCode}): {result.Text}", target: name);
        return result;
    }

    private static string ToolPackage(string name) => name switch
    {
        "sgdisk" => "Debian package gdisk",
        _ => "Debian package util-linux",
    };
}
