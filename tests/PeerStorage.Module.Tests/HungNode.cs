using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PeerStorage.Module.Tests;

/// <summary>
/// A node that runs in another process (the built peerstorage-agent) and then hangs: SIGSTOP freezes the agent with
/// its runtime record fresh and its port open, so the kernel still accepts connections that nobody answers. That is
/// what Test-PeerNode meets on a wedged node: its port check waits for a ping answer until the ping times out.
/// Dispose kills the agent.
/// </summary>
public sealed class HungNode : IDisposable
{
    private const int SIGSTOP = 19; // Linux
    private readonly Process _agent;

    private HungNode(Process agent, int port)
    {
        _agent = agent;
        Port = port;
    }

    public int Port { get; }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>
    /// Starts the agent on <paramref name="nodePath"/>, waits until <paramref name="isRunning"/> says the node home
    /// shows it running on its port and it answers a ping, then freezes it.
    /// </summary>
    public static HungNode Start(string nodePath, Func<int, bool> isRunning)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { AgentPath(), "--NodePath", nodePath, "--Port", port.ToString() }) info.ArgumentList.Add(arg);
        // The test's mDNS settings stay (loopback only); nothing else of the test machine's PEERSTORAGE_* may leak in.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("PEERSTORAGE_", StringComparison.OrdinalIgnoreCase) && !k.StartsWith("PEERSTORAGE_MDNS", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        var agent = Process.Start(info)!;
        agent.OutputDataReceived += (_, _) => { };
        agent.ErrorDataReceived += (_, _) => { };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        var node = new HungNode(agent, port);
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(Answers(port) && isRunning(port)))
            {
                if (agent.HasExited) throw new InvalidOperationException($"The agent exited ({agent.ExitCode}) before its node ran.");
                if (DateTime.UtcNow > deadline) throw new TimeoutException("The agent's node did not run within 30 s.");
                Thread.Sleep(100);
            }
            if (kill(agent.Id, SIGSTOP) != 0) throw new InvalidOperationException($"SIGSTOP failed: errno {Marshal.GetLastPInvokeError()}");
            return node;
        }
        catch
        {
            node.Dispose();
            throw;
        }
    }

    private static bool Answers(int port)
    {
        try
        {
            return NodeJobTests.PingName(port).Length > 0;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.IPv6Any, 0);
        listener.Server.DualMode = true;
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string AgentPath() =>
        typeof(HungNode).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PeerStorageAgentPath").Value!;

    public void Dispose()
    {
        try
        {
            if (!_agent.HasExited)
            {
                _agent.Kill(entireProcessTree: true); // SIGKILL ends a stopped process too
                _agent.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        _agent.Dispose();
    }
}

/// <summary>A test that needs Linux (signals); reported as skipped elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Needs Linux (POSIX signals).";
    }
}
