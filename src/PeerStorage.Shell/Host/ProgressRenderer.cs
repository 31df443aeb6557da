using System.Diagnostics;
using System.Management.Automation;
using System.Text;

namespace PeerStorage.Shell.Host;

/// <summary>
/// Shows progress as one line that redraws in place on a terminal. When stdout is redirected nothing is
/// written: a log file or a pipe should receive the script's output, not animation frames.
/// </summary>
internal sealed class ProgressRenderer(Terminal terminal)
{
    // Redrawing faster than the eye can read only costs the pipeline thread time.
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);
    private const int BarWidth = 20;

    private readonly object _sync = new();
    private readonly Dictionary<(long Source, int Activity), ProgressRecord> _active = new();
    private (long Source, int Activity)? _latest;
    private long? _lastDrawn;

    public void Update(long sourceId, ProgressRecord record)
    {
        if (!terminal.OutputIsTerminal)
        {
            return;
        }

        lock (_sync)
        {
            var key = (sourceId, record.ActivityId);
            if (record.RecordType == ProgressRecordType.Completed)
            {
                _active.Remove(key);
                _latest = _active.Count == 0 ? null : _active.Keys.Last();
                if (_latest is null)
                {
                    terminal.ClearProgress();
                    return;
                }

                Draw();
                return;
            }

            _active[key] = record;
            _latest = key;
            if (_lastDrawn is not { } last || Stopwatch.GetElapsedTime(last) >= MinimumInterval)
            {
                Draw();
            }
        }
    }

    public void Clear()
    {
        lock (_sync)
        {
            _active.Clear();
            _latest = null;
            terminal.ClearProgress();
        }
    }

    private void Draw()
    {
        if (_latest is not { } key || !_active.TryGetValue(key, out var record))
        {
            return;
        }

        terminal.ShowProgress(Format(record));
        _lastDrawn = Stopwatch.GetTimestamp();
    }

    internal static string Format(ProgressRecord record)
    {
        var line = new StringBuilder(record.Activity);
        if (!string.IsNullOrWhiteSpace(record.StatusDescription))
        {
            line.Append(": ").Append(record.StatusDescription);
        }

        if (record.PercentComplete is >= 0 and <= 100)
        {
            var filled = record.PercentComplete * BarWidth / 100;
            line.Append(" [").Append('#', filled).Append('.', BarWidth - filled).Append("] ")
                .Append(record.PercentComplete).Append('%');
        }

        if (record.SecondsRemaining > 0)
        {
            line.Append(", ").Append(TimeSpan.FromSeconds(record.SecondsRemaining).ToString("c")).Append(" left");
        }

        if (!string.IsNullOrWhiteSpace(record.CurrentOperation))
        {
            line.Append(" - ").Append(record.CurrentOperation);
        }

        // A status may carry newlines or tabs; one line must stay one line.
        return line.Replace('\r', ' ').Replace('\n', ' ').Replace('\t', ' ').ToString();
    }
}
