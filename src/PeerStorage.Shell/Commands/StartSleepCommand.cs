using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>Start-Sleep as in pwsh's Utility module; Ctrl+C (StopProcessing) ends the wait at once.</summary>
[Cmdlet(VerbsLifecycle.Start, "Sleep", DefaultParameterSetName = SecondsSet)]
public sealed class StartSleepCommand : PSCmdlet, IDisposable
{
    private const string SecondsSet = "Seconds";
    private const string MillisecondsSet = "Milliseconds";
    private const string DurationSet = "FromTimeSpan";

    private readonly ManualResetEventSlim _stopped = new();

    [Parameter(Position = 0, Mandatory = true, ParameterSetName = SecondsSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0.0, int.MaxValue / 1000.0)]
    public double Seconds { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = MillisecondsSet, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, int.MaxValue)]
    [Alias("ms")]
    public int Milliseconds { get; set; }

    [Parameter(Position = 0, Mandatory = true, ParameterSetName = DurationSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ts")]
    public TimeSpan Duration { get; set; }

    protected override void ProcessRecord()
    {
        var wait = ParameterSetName switch
        {
            MillisecondsSet => TimeSpan.FromMilliseconds(Milliseconds),
            DurationSet => Duration,
            _ => TimeSpan.FromSeconds(Seconds),
        };
        _stopped.Wait(wait < TimeSpan.Zero ? TimeSpan.Zero : wait);
    }

    protected override void StopProcessing() => _stopped.Set();

    public void Dispose() => _stopped.Dispose();
}
