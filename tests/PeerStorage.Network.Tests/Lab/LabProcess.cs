using System.Diagnostics;
using System.Text;

namespace PeerStorage.Network.Tests.Lab;

/// <summary>
/// A long-running program inside a lab host. Its output lines are collected as they come, so a test can wait for
/// a line; <see cref="StopAsync"/> closes its standard input first (a graceful stop for our tools), then kills.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly object _gate = new();

    internal LabProcess(string label, IReadOnlyList<string> command, IReadOnlyDictionary<string, string>? environment)
    {
        Label = label;
        _process = new Process { StartInfo = Command.StartInfo(command, environment), EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Collect(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(_stderr, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>What the test calls it (host and program), for messages.</summary>
    public string Label { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> StdoutLines
    {
        get { lock (_gate) return _stdout.ToList(); }
    }

    public IReadOnlyList<string> StderrLines
    {
        get { lock (_gate) return _stderr.ToList(); }
    }

    private void Collect(List<string> lines, string? line)
    {
        if (line is null) return;
        lock (_gate) lines.Add(line);
    }

    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for a line on standard output or error that matches, failing with everything captured so far.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var line = StdoutLines.Concat(StderrLines).FirstOrDefault(match);
            if (line is not null) return line;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{Label}: no {what} within {timeout.TotalSeconds:0.#} s.{Environment.NewLine}{Describe()}");
            if (HasExited)
            {
                // Output read asynchronously may still be on its way: the parameterless wait drains it.
                _process.WaitForExit();
                if (StdoutLines.Concat(StderrLines).FirstOrDefault(match) is { } last) return last;
                throw new InvalidOperationException($"{Label} exited ({ExitCode}) before {what}.{Environment.NewLine}{Describe()}");
            }
            await Task.Delay(20);
        }
    }

    /// <summary>Closes standard input and waits; kills the process if it has not ended within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited) return;
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }
        using var limit = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Everything it printed, for failure messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.AppendLine($"--- {Label} stdout");
        foreach (var line in StdoutLines) text.AppendLine(line);
        text.AppendLine($"--- {Label} stderr");
        foreach (var line in StderrLines.TakeLast(60)) text.AppendLine(line);
        return text.ToString();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
