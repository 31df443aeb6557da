using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PeerStorage.Shell.Host;

namespace PeerStorage.Shell.Running;

/// <summary>
/// Shows an error that ended a pipeline. It goes through Out-Default, so it gets the same $ErrorView rendering
/// as errors written by commands (ConciseView: "Get-PeerNode: message"), and the host sends it to stderr.
/// </summary>
internal static class ErrorReporter
{
    public static void Report(Runspace runspace, ShellHost host, Exception exception)
    {
        var record = (exception as IContainsErrorRecord)?.ErrorRecord
            ?? new ErrorRecord(exception, "PeerStorageShell.UnhandledException", ErrorCategory.NotSpecified, null);
        try
        {
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            using (host.ShellUI.OutputAsErrors())
            {
                ps.AddCommand("Out-Default").Invoke(new[] { record });
            }
        }
        catch (Exception formatting) when (formatting is RuntimeException or InvalidOperationException)
        {
            // The formatter itself failed (a broken runspace): the plain message is still worth showing.
            host.UI.WriteErrorLine(record.ToString());
        }
    }
}
