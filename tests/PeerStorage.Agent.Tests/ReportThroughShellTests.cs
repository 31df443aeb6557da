using System.Text.RegularExpressions;
using PeerStorage.Agent.Tests.Infrastructure;

namespace PeerStorage.Agent.Tests;

/// <summary>
/// What the agent did is visible to an admin's script in another process: Get-PeerJob and examples/NodeStatusReport.ps1,
/// run through the bundled shell, list the agent's run records.
/// </summary>
public sealed class ReportThroughShellTests
{
    /// <summary>One agent run that ran and was stopped, one that failed to start (its port was taken).</summary>
    private static async Task<(PeerJobRecord Stopped, PeerJobRecord Failed)> TwoAgentRunsAsync(TempNodeHome home)
    {
        var port = FreePort.Pick();
        using (var agent = AgentProcess.Start(["--NodePath", home.Path, "--Port", port.ToString()]))
        {
            await agent.WaitForPingAsync(port);
            Assert.Equal(0, await agent.StopAsync());
        }
        using (var taken = FreePort.Occupy())
        {
            var takenPort = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            using var agent = AgentProcess.Start(["--NodePath", home.Path, "--Port", takenPort.ToString()]);
            Assert.Equal(4, await agent.WaitForExitAsync(AgentProcess.StartTimeout));
        }
        var runs = home.NodeRuns();
        Assert.Equal(2, runs.Count);
        Assert.Equal(PeerJobState.Stopped, runs[0].State);
        Assert.Equal(PeerJobState.Failed, runs[1].State);
        return (runs[0], runs[1]);
    }

    [Fact]
    public async Task Get_PeerJob_in_the_shell_lists_the_agents_runs()
    {
        using var home = TempNodeHome.Create("alpha");
        var (stopped, failed) = await TwoAgentRunsAsync(home);

        // The default table view, as an admin sees it.
        var table = ShellProcess.Run("-Command", $"Get-PeerJob -NodePath '{home.Path}'");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(new Regex(@"^\s*Id\s+Kind\s+State\s+Started", RegexOptions.Multiline), table.StdOut);
        Assert.Matches(new Regex($@"^\s*{stopped.Id}\s+PeerNode\s+Stopped\s", RegexOptions.Multiline), table.StdOut);
        Assert.Matches(new Regex($@"^\s*{failed.Id}\s+PeerNode\s+Failed\s", RegexOptions.Multiline), table.StdOut);

        // The objects themselves: the records of the agent's process, with their outcome.
        var fields = ShellProcess.Run("-Command",
            $"Get-PeerJob -NodePath '{home.Path}' -Kind PeerNode | ForEach-Object {{ '{{0}}|{{1}}|{{2}}|{{3}}' -f $_.Id, $_.State, $_.ProcessId, [bool]$_.Ended }}");
        Assert.True(fields.ExitCode == 0, fields.ToString());
        Assert.Equal([$"{stopped.Id}|Stopped|{stopped.ProcessId}|True", $"{failed.Id}|Failed|{failed.ProcessId}|True"],
            fields.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal(string.Empty, fields.StdErr);
    }

    [Fact]
    public async Task NodeStatusReport_counts_the_agents_runs_and_names_the_last_that_did_not_complete()
    {
        using var home = TempNodeHome.Create("alpha");
        var (_, failed) = await TwoAgentRunsAsync(home);
        var missing = home.FileBeside("no-node-here");

        var report = ShellProcess.Run(Path.Combine(ShellProcess.RepositoryRoot, "examples", "NodeStatusReport.ps1"), home.Path, missing);

        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.Equal(string.Empty, report.StdErr);
        // Two rows, in the order of the paths given; seven properties each, so PowerShell shows them as lists.
        var rows = Regex.Split(report.StdOut.Trim(), @"\r?\n\s*\r?\n").Select(ParseList).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(home.NodeId, rows[0]["NodeId"]);
        Assert.Equal("alpha", rows[0]["Name"]);
        Assert.Equal(home.Path, rows[0]["NodePath"]);
        Assert.Equal("Stopped", rows[0]["State"]);
        Assert.Equal("2", rows[0]["Runs"]);
        Assert.Equal("2", rows[0]["NotCompleted"]); // stopped and failed: neither completed
        // The failed run's kind, state and error (Format-List may wrap it anywhere: compare without white space).
        Assert.StartsWith("PeerNode Failed: ", rows[0]["LastProblem"]);
        var error = Regex.Replace(failed.Error!, @"\s", "");
        Assert.Contains(error[..Math.Min(40, error.Length)], Regex.Replace(rows[0]["LastProblem"], @"\s", ""));

        Assert.Equal(missing, rows[1]["NodePath"]);
        Assert.Equal("Unavailable", rows[1]["State"]);
        Assert.Equal("0", rows[1]["Runs"]);
    }

    /// <summary>"Name : value" lines of one Format-List entry (a long value wraps onto indented lines).</summary>
    private static Dictionary<string, string> ParseList(string block)
    {
        var values = new Dictionary<string, string>();
        string? last = null;
        foreach (var line in block.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            var match = Regex.Match(line, @"^(\w+)\s*: ?(.*)$");
            if (match.Success)
            {
                last = match.Groups[1].Value;
                values[last] = match.Groups[2].Value.Trim();
            }
            else if (last is not null && line.Trim().Length > 0)
            {
                values[last] += " " + line.Trim();
            }
        }
        return values;
    }
}
