using System.Diagnostics;
using System.Text;
using PeerStorage.Core.Transport;

namespace PeerStorage.Agent.Tests.Infrastructure;

/// <summary>
/// The agent as a real child process (<c>dotnet peerstorage-agent.dll ...</c>), with its output captured. Every wait is
/// bounded; Dispose kills whatever is left.
/// </summary>
public sealed class AgentProcess : IDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AgentProcess(ProcessStartInfo info)
    {
        // The agent reads PEERSTORAGE_* variables: the test machine's own must not leak in.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("PEERSTORAGE_", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true; // a service has no terminal
        info.UseShellExecute = false;
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data, firstLine: true);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data, firstLine: false);
    }

    /// <summary>The pid to signal: the agent itself (under a fake systemd, the shell's child).</summary>
    public int AgentProcessId { get; private set; }
    public string StandardOutput { get { lock (_stdout) return _stdout.ToString(); } }
    public string StandardError { get { lock (_stderr) return _stderr.ToString(); } }
    public bool HasExited => _process.HasExited;

    public static AgentProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet");
        info.ArgumentList.Add(AgentBinary.Path);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var agent = new AgentProcess(info);
        agent.Launch(environment);
        agent.AgentProcessId = agent._process.Id;
        return agent;
    }

    /// <summary>
    /// Starts the agent as the child of a process named "systemd" (a renamed shell), which is how the hosting library
    /// recognises a systemd service; the shell prints the agent's pid and exits with its exit code.
    /// </summary>
    public static async Task<AgentProcess> StartUnderSystemdAsync(string fakeSystemd, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var command = new StringBuilder("dotnet ").Append(Quote(AgentBinary.Path));
        foreach (var arg in args) command.Append(' ').Append(Quote(arg));
        command.Append(" & echo $!; wait $!");
        var info = new ProcessStartInfo(fakeSystemd);
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command.ToString());
        var agent = new AgentProcess(info);
        agent.Launch(environment);
        var pid = await agent._firstLine.Task.WaitAsync(StartTimeout);
        agent.AgentProcessId = int.Parse(pid.Trim());
        return agent;
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    private void Launch(IReadOnlyDictionary<string, string>? environment)
    {
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) _process.StartInfo.Environment[key] = value;
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Append(StringBuilder buffer, string? line, bool firstLine)
    {
        if (line is null) return;
        lock (buffer) buffer.AppendLine(line);
        if (firstLine) _firstLine.TrySetResult(line);
    }

    public void Signal(int signal) => Signals.Send(AgentProcessId, signal);

    /// <summary>Waits for the agent to exit; fails the test (with the agent's output) if it does not in time.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The agent did not exit within {timeout.TotalSeconds:0} s.\n{Describe()}");
        }
        return _process.ExitCode;
    }

    /// <summary>Pings the node until it answers; fails early if the agent exits, and after <see cref="StartTimeout"/>.</summary>
    public async Task<PingReply> WaitForPingAsync(int port)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The agent exited ({_process.ExitCode}) before answering a ping on port {port}.\n{Describe()}");
            try
            {
                return await PingOnceAsync(port);
            }
            catch (PeerStorageException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            catch (PeerStorageException e)
            {
                throw new TimeoutException($"No ping answer on port {port} within {StartTimeout.TotalSeconds:0} s: {e.Message}\n{Describe()}");
            }
        }
    }

    public static async Task<PingReply> PingOnceAsync(int port)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await Ping.SendAsync("127.0.0.1", port, cts.Token);
    }

    /// <summary>Signals the agent and waits for it to exit; returns the exit code.</summary>
    public async Task<int> StopAsync(int signal = Signals.SIGTERM)
    {
        Signal(signal);
        return await WaitForExitAsync(StopTimeout);
    }

    public string Describe() => $"--- agent stderr ---\n{StandardError}--- agent stdout ---\n{StandardOutput}";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { } // never started or already gone
        _process.Dispose();
    }
}
