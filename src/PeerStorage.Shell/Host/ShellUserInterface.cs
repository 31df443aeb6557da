using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace PeerStorage.Shell.Host;

/// <summary>
/// The host UI the engine writes through: Out-Default's formatted lines, Write-Host, the error, warning,
/// verbose and debug streams, progress, and the prompts behind -Confirm. Errors go to stderr; the other
/// streams go to stdout, as in pwsh.
/// </summary>
internal sealed class ShellUserInterface : PSHostUserInterface
{
    private readonly Terminal _terminal;
    private readonly ShellRawUserInterface _rawUI;
    private readonly ProgressRenderer _progress;
    private readonly ConsolePrompter _prompter;
    private volatile bool _outputIsError;

    public ShellUserInterface(Terminal terminal)
    {
        _terminal = terminal;
        _rawUI = new ShellRawUserInterface(terminal);
        _progress = new ProgressRenderer(terminal);
        _prompter = new ConsolePrompter(terminal);
    }

    public override PSHostRawUserInterface RawUI => _rawUI;

    // Lets the engine keep $PSStyle colours (for example in the error view) only when they reach a terminal.
    public override bool SupportsVirtualTerminal => _terminal.OutputColored;

    public override void Write(string value)
    {
        if (_outputIsError)
        {
            WriteErrorText(value);
            return;
        }

        _terminal.Write(ForOutput(value));
    }

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value)
    {
        if (_outputIsError)
        {
            WriteErrorText(value);
            return;
        }

        // The engine passes the current colours for uncoloured text; only real changes are painted.
        ConsoleColor? fg = foregroundColor == _rawUI.ForegroundColor ? null : foregroundColor;
        ConsoleColor? bg = backgroundColor == _rawUI.BackgroundColor ? null : backgroundColor;
        _terminal.Write(ForOutput(value), fg, bg);
    }

    public override void WriteLine(string value) => Write(value + Environment.NewLine);

    public override void WriteErrorLine(string value) => WriteErrorText(value + Environment.NewLine);

    /// <summary>
    /// Sends formatted output to stderr until disposed. The shell formats an error that ended the script
    /// with Out-Default (to get $ErrorView), and that error belongs on stderr like every other error.
    /// </summary>
    public IDisposable OutputAsErrors()
    {
        _outputIsError = true;
        return new Restore(() => _outputIsError = false);
    }

    public override void WriteWarningLine(string message) =>
        _terminal.Write($"WARNING: {ForOutput(message)}{Environment.NewLine}", ConsoleColor.Yellow);

    public override void WriteVerboseLine(string message) =>
        _terminal.Write($"VERBOSE: {ForOutput(message)}{Environment.NewLine}", ConsoleColor.Yellow);

    public override void WriteDebugLine(string message) =>
        _terminal.Write($"DEBUG: {ForOutput(message)}{Environment.NewLine}", ConsoleColor.Yellow);

    // The engine has already written Write-Host text (and Write-Information under Continue) through
    // Write/WriteLine before handing the record here; printing it again would double it.
    public override void WriteInformation(InformationRecord record)
    {
    }

    public override void WriteProgress(long sourceId, ProgressRecord record) => _progress.Update(sourceId, record);

    /// <summary>Removes a progress line that a command left behind (it stopped without a Completed record).</summary>
    public void ClearProgress() => _progress.Clear();

    private void WriteErrorText(string value) =>
        _terminal.WriteError(GetOutputString(value, _terminal.ErrorColored), ConsoleColor.Red);

    // The formatter and the error view embed $PSStyle escape sequences; a file or a pipe gets plain text
    // (the engine's own rule for $PSStyle.OutputRendering = Host).
    private string ForOutput(string value) => GetOutputString(value, _terminal.OutputColored);

    public override string ReadLine() => _prompter.ReadLine();

    public override SecureString ReadLineAsSecureString() => _prompter.ReadSecret();

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
        _prompter.Prompt(caption, message, descriptions);

    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) =>
        _prompter.PromptForChoice(caption, message, choices, defaultChoice);

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        _prompter.PromptForCredential(caption, message, userName);

    public override PSCredential PromptForCredential(
        string caption,
        string message,
        string userName,
        string targetName,
        PSCredentialTypes allowedCredentialTypes,
        PSCredentialUIOptions options) =>
        _prompter.PromptForCredential(caption, message, userName);

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
