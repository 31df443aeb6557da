using System.Text;

namespace PeerStorage.Shell.Host;

/// <summary>
/// The process's console streams. Every write goes through one lock so that output, errors and the
/// progress line from different threads never interleave mid-line.
/// </summary>
internal sealed class Terminal
{
    private const string Reset = "\u001b[0m";
    private const string ClearToEndOfLine = "\u001b[K";
    private const int FallbackWidth = 120;

    private readonly object _sync = new();
    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private bool _progressVisible;
    private bool _atLineStart = true;

    public Terminal()
    {
        _out = Console.Out;
        _error = Console.Error;
        OutputIsTerminal = !Console.IsOutputRedirected;
        ErrorIsTerminal = !Console.IsErrorRedirected;
        InputIsTerminal = !Console.IsInputRedirected;
        // https://no-color.org, and a dumb terminal understands no escape sequences.
        var colorAllowed = string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && !string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        OutputColored = OutputIsTerminal && colorAllowed;
        ErrorColored = ErrorIsTerminal && colorAllowed;
    }

    public bool OutputIsTerminal { get; }
    public bool ErrorIsTerminal { get; }
    public bool InputIsTerminal { get; }
    public bool OutputColored { get; }
    public bool ErrorColored { get; }

    /// <summary>Columns available for tables: the window when there is one, else a fixed 120.</summary>
    public int Width
    {
        get
        {
            if (!OutputIsTerminal)
            {
                return FallbackWidth;
            }

            try
            {
                var width = Console.WindowWidth;
                return width > 0 ? width : FallbackWidth;
            }
            catch (IOException)
            {
                return FallbackWidth;
            }
        }
    }

    public int Height
    {
        get
        {
            if (!OutputIsTerminal)
            {
                return 50;
            }

            try
            {
                var height = Console.WindowHeight;
                return height > 0 ? height : 50;
            }
            catch (IOException)
            {
                return 50;
            }
        }
    }

    public void Write(string text, ConsoleColor? foreground = null, ConsoleColor? background = null)
    {
        lock (_sync)
        {
            HideProgress();
            _out.Write(Paint(text, foreground, background, OutputColored));
            if (text.Length > 0)
            {
                _atLineStart = text.EndsWith('\n');
            }
        }
    }

    public void WriteError(string text, ConsoleColor? foreground = null)
    {
        lock (_sync)
        {
            HideProgress();
            // Both streams usually share one screen: end a pending partial line so the error starts on its own.
            if (!_atLineStart && ErrorIsTerminal && OutputIsTerminal)
            {
                _out.Write(Environment.NewLine);
                _atLineStart = true;
            }

            _error.Write(Paint(text, foreground, null, ErrorColored));
        }
    }

    /// <summary>Draws (or redraws) the single progress line; only on a terminal and only at a line start.</summary>
    public void ShowProgress(string line)
    {
        lock (_sync)
        {
            if (!OutputIsTerminal || !_atLineStart)
            {
                return;
            }

            var width = Math.Max(Width - 1, 10);
            if (line.Length > width)
            {
                line = line[..(width - 1)] + "…";
            }

            _out.Write("\r" + line + ClearToEndOfLine);
            _out.Flush();
            _progressVisible = true;
        }
    }

    public void ClearProgress()
    {
        lock (_sync)
        {
            HideProgress();
            _out.Flush();
        }
    }

    public void Flush()
    {
        lock (_sync)
        {
            HideProgress();
            _out.Flush();
            _error.Flush();
        }
    }

    private void HideProgress()
    {
        if (_progressVisible)
        {
            _out.Write("\r" + ClearToEndOfLine);
            _progressVisible = false;
        }
    }

    private static string Paint(string text, ConsoleColor? foreground, ConsoleColor? background, bool colored)
    {
        if (!colored || (foreground is null && background is null) || text.Length == 0)
        {
            return text;
        }

        var sgr = new StringBuilder("\u001b[");
        if (foreground is { } fg)
        {
            sgr.Append(AnsiColor.Foreground(fg));
        }

        if (background is { } bg)
        {
            if (foreground is not null)
            {
                sgr.Append(';');
            }

            sgr.Append(AnsiColor.Background(bg));
        }

        sgr.Append('m');

        // Keep the trailing newline outside the colour so a background does not bleed into the next line.
        var body = text.TrimEnd('\r', '\n');
        var tail = text[body.Length..];
        return sgr + body + Reset + tail;
    }
}
