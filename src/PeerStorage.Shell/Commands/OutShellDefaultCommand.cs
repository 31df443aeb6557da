using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// Out-Default that still shows what it holds when the pipeline ends abruptly. Out-Default keeps the first
/// table rows back (up to 300 ms) to size the columns; when <c>exit</c> or a terminating error unwinds the
/// pipeline its EndProcessing never runs and pwsh loses those rows (PowerShell issue #13985). The engine
/// always disposes pipeline commands, so this wrapper finishes the inner Out-Default there.
/// </summary>
[Cmdlet(VerbsData.Out, "ShellDefault")]
public sealed class OutShellDefaultCommand : PSCmdlet, IDisposable
{
    public const string Name = "Out-ShellDefault";

    private SteppablePipeline? _outDefault;
    private bool _ended;

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    protected override void BeginProcessing()
    {
        _outDefault = ScriptBlock.Create(@"Microsoft.PowerShell.Core\Out-Default").GetSteppablePipeline();
        _outDefault.Begin(this);
    }

    protected override void ProcessRecord() => _outDefault?.Process(InputObject);

    protected override void EndProcessing()
    {
        _ended = true;
        _outDefault?.End();
    }

    public void Dispose()
    {
        if (_outDefault is null)
        {
            return;
        }

        if (!_ended)
        {
            _ended = true;
            try
            {
                _outDefault.End();
            }
            catch (Exception flush) when (flush is RuntimeException or InvalidOperationException)
            {
                // Stopped by Ctrl+C or a broken formatter: nothing more can be shown.
            }
        }

        _outDefault.Dispose();
        _outDefault = null;
    }
}
