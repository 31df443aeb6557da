using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// The commands the shell adds to the hosted engine. The System.Management.Automation package carries only
/// the Core cmdlets: the Utility and Management cmdlets live in Microsoft.PowerShell.Commands.Utility and
/// .Management, which ship only inside pwsh and the Microsoft.PowerShell.SDK package (not served to this
/// project's builds). InitialSessionState.CreateDefault2 adds them only when those assemblies load, so in this
/// host they are simply absent. Scripts written for pwsh expect the common ones, so the shell supplies
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
        ("Get-Date", typeof(GetDateCommand)),
        ("Select-Object", typeof(SelectObjectCommand)),
        ("Sort-Object", typeof(SortObjectCommand)),
        ("Measure-Object", typeof(MeasureObjectCommand)),
        ("Format-Table", typeof(FormatTableCommand)),
        ("Format-List", typeof(FormatListCommand)),
        ("ConvertTo-Json", typeof(ConvertToJsonCommand)),
        ("ConvertFrom-Json", typeof(ConvertFromJsonCommand)),
        ("Test-Path", typeof(TestPathCommand)),
        ("Get-ChildItem", typeof(GetChildItemCommand)),
        ("Join-Path", typeof(JoinPathCommand)),
        ("Get-Location", typeof(GetLocationCommand)),
        ("Set-Location", typeof(SetLocationCommand)),
        ("Get-Item", typeof(GetItemCommand)),
        ("New-Item", typeof(NewItemCommand)),
        ("Remove-Item", typeof(RemoveItemCommand)),
        ("Copy-Item", typeof(CopyItemCommand)),
        ("Move-Item", typeof(MoveItemCommand)),
        ("Get-Content", typeof(GetContentCommand)),
        ("Set-Content", typeof(SetContentCommand)),
        ("Add-Content", typeof(AddContentCommand)),
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
