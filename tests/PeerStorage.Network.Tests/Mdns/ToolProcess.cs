using System.Diagnostics;
using System.Text.Json.Nodes;
using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Mdns;

/// <summary>A running MdnsTool: its JSON-lines events (started, announced, added, updated, removed, stopped).</summary>
internal sealed class ToolProcess(LabProcess process)
{
    public LabProcess Process { get; } = process;

    public IReadOnlyList<JsonObject> Events =>
        Process.StdoutLines.Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    public IEnumerable<JsonObject> EventsNamed(string name) => Events.Where(e => (string?)e["event"] == name);

    public async Task<JsonObject> WaitForEventAsync(string name, TimeSpan timeout, Func<JsonObject, bool>? match = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var found = EventsNamed(name).FirstOrDefault(e => match?.Invoke(e) ?? true);
            if (found is not null) return found;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{Process.Label}: no '{name}' event within {timeout.TotalSeconds:0.#} s.{Environment.NewLine}{Process.Describe()}");
            if (Process.HasExited)
                throw new InvalidOperationException($"{Process.Label} exited before a '{name}' event.{Environment.NewLine}{Process.Describe()}");
            await Task.Delay(20);
        }
    }

    /// <summary>The names finally in use (after any conflict renames).</summary>
    public (string Instance, string Host) AnnouncedNames
    {
        get
        {
            var last = EventsNamed("announced").Last();
            return ((string)last["instance"]!, (string)last["host"]!);
        }
    }

    /// <summary>Stops it the way an admin would (stdin closes: goodbyes go out) and waits for it to end.</summary>
    public Task StopAsync() => Process.StopAsync(TimeSpan.FromSeconds(10));
}
