using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// The commands the shell adds to the hosted engine. The System.Management.Automation package carries only
/// the Core cmdlets; scripts written for pwsh expect Write-Host and its siblings, so the shell supplies
/// those with pwsh's names and parameters (never replacing a command the session already has).
/// </summary>
internal static class ShellCommands
{
    private static readonly (string Name, Type Type)[] UtilitySubset =
    [
        ("Write-Host", typeof(WriteHostCommand)),
        ("Write-Output", typeof(WriteOutputCommand)),
        ("Write-Error", typeof(WriteErrorCommand)),
        ("Write-Warning", typeof(WriteWarningCommand)),
        ("Write-Verbose", typeof(WriteVerboseCommand)),
        ("Write-Debug", typeof(WriteDebugCommand)),
        ("Write-Information", typeof(WriteInformationCommand)),
        ("Write-Progress", typeof(WriteProgressCommand)),
        ("Start-Sleep", typeof(StartSleepCommand)),
    ];

    public static void AddTo(InitialSessionState state)
    {
        var existing = state.Commands.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, type) in UtilitySubset)
        {
            if (!existing.Contains(name))
            {
                state.Commands.Add(new SessionStateCmdletEntry(name, type, helpFileName: null));
            }
        }

        // Private: only the shell's own pipelines (CommandOrigin.Internal) can call it.
        state.Commands.Add(new SessionStateCmdletEntry(OutShellDefaultCommand.Name, typeof(OutShellDefaultCommand), helpFileName: null)
        {
            Visibility = SessionStateEntryVisibility.Private,
        });
    }
}
