using System.Management.Automation;
using System.Management.Automation.Host;

namespace PeerStorage.Shell.Host;

/// <summary>
/// Raised instead of waiting for an answer that can never come: stdin is not a terminal (CI, a pipe, a
/// service). As a HostException it becomes an ordinary terminating error with a stable id.
/// </summary>
internal static class NoInteractiveInput
{
    public const string ErrorId = "PeerStorageShell.NoInteractiveInput";

    public static HostException For(string what, string hint) => new(
        $"peerstorage-shell cannot {what}: standard input is not a terminal. {hint}",
        innerException: null,
        ErrorId,
        ErrorCategory.InvalidOperation);
}
