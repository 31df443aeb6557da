using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// Status of the imaging runs of a node home, one small JSON file per run in &lt;home&gt;/imaging, rewritten every second
/// by the process that runs it: Get-DiskImageMulticast in any process (a deploy script, a report) reads them, and
/// Stop-DiskImageMulticast leaves a stop file that the run notices within a second.
/// </summary>
public static class ImagingStatusStore
{
    // Generated at build time (no reflection): a receiver writes its first status before it joins a multicast.
    private static readonly ImagingStatusJson Json = ImagingStatusJson.Default;
    private static readonly string[] FinalStates = ["Completed", "Failed", "Stopped"];

    public static string DirectoryOf(NodeHome home) => Path.Combine(home.Path, "imaging");

    internal static void Write(NodeHome home, DiskImageTransfer transfer) =>
        WriteFile(home, $"receive-{transfer.Hash}.json", JsonSerializer.SerializeToUtf8Bytes(transfer, Json.DiskImageTransfer));
    internal static void Write(NodeHome home, DiskImageSession session) =>
        WriteFile(home, $"send-{session.Hash}.json", JsonSerializer.SerializeToUtf8Bytes(session, Json.DiskImageSession));

    /// <summary>Transfers (receives) of this home, newest first; a run whose process is gone mid-way shows as Interrupted.</summary>
    public static IReadOnlyList<DiskImageTransfer> Transfers(NodeHome home, string? hash = null) =>
        [.. ReadAll(home, "receive-", hash, Json.DiskImageTransfer)
            .Select(t => IsInterrupted(t.State, t.ProcessId) ? WithState(t, "Interrupted") : t)
            .OrderByDescending(t => t.Started)];

    /// <summary>Sessions (sends) of this home, newest first.</summary>
    public static IReadOnlyList<DiskImageSession> Sessions(NodeHome home, string? hash = null) =>
        [.. ReadAll(home, "send-", hash, Json.DiskImageSession)
            .Select(s => IsInterrupted(s.State, s.ProcessId) ? WithState(s, "Interrupted") : s)
            .OrderByDescending(s => s.Started)];

    /// <summary>Asks the run(s) for this image to stop; returns whether one is running.</summary>
    public static bool RequestStop(NodeHome home, string hash)
    {
        var running = Transfers(home, hash).Any(t => !IsFinal(t.State)) || Sessions(home, hash).Any(s => !IsFinal(s.State));
        if (running)
        {
            Directory.CreateDirectory(DirectoryOf(home));
            File.WriteAllText(StopFile(home, hash), DateTimeOffset.UtcNow.ToString("O"));
        }
        return running;
    }

    internal static bool StopRequested(NodeHome home, string hash) => File.Exists(StopFile(home, hash));
    internal static void ClearStop(NodeHome home, string hash)
    {
        if (File.Exists(StopFile(home, hash))) File.Delete(StopFile(home, hash));
    }

    public static bool IsFinal(string state) => FinalStates.Contains(state) || state == "Interrupted";

    private static string StopFile(NodeHome home, string hash) => Path.Combine(DirectoryOf(home), $"stop-{hash}");

    private static void WriteFile(NodeHome home, string name, byte[] json)
    {
        var directory = DirectoryOf(home);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        var temporary = path + $".{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temporary, json);
        File.Move(temporary, path, overwrite: true); // readers never see half a file
    }

    private static IEnumerable<T> ReadAll<T>(NodeHome home, string prefix, string? hash, JsonTypeInfo<T> type)
    {
        var directory = DirectoryOf(home);
        if (!Directory.Exists(directory)) yield break;
        var pattern = hash is null ? $"{prefix}*.json" : $"{prefix}{hash.ToLowerInvariant()}.json";
        foreach (var file in Directory.EnumerateFiles(directory, pattern))
        {
            T? value;
            try
            {
                value = JsonSerializer.Deserialize(File.ReadAllBytes(file), type);
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                continue; // a file being replaced or damaged: the next read sees the whole one
            }
            if (value is not null) yield return value;
        }
    }

    private static bool IsInterrupted(string state, int processId)
    {
        if (IsFinal(state)) return false;
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private static DiskImageTransfer WithState(DiskImageTransfer t, string state) => new()
    {
        Hash = t.Hash, Target = t.Target, Role = t.Role, State = state, Size = t.Size, BytesVerified = t.BytesVerified,
        PercentComplete = t.PercentComplete, BytesFromServer = t.BytesFromServer, BytesFromMulticast = t.BytesFromMulticast,
        Announcer = t.Announcer, RejectedBlocks = t.RejectedBlocks, ForeignPackets = t.ForeignPackets, Started = t.Started,
        Duration = t.Duration, MiBPerSecond = t.MiBPerSecond, Error = t.Error, ProcessId = t.ProcessId,
    };

    private static DiskImageSession WithState(DiskImageSession s, string state) => new()
    {
        Hash = s.Hash, SessionId = s.SessionId, Group = s.Group, Port = s.Port, State = state, Receivers = s.Receivers,
        ReceiversComplete = s.ReceiversComplete, ReceiversEvicted = s.ReceiversEvicted, BytesSent = s.BytesSent,
        RepairSymbolsSent = s.RepairSymbolsSent, Passes = s.Passes, MiBPerSecond = s.MiBPerSecond, ReceiverDetails = s.ReceiverDetails,
        Started = s.Started, Duration = s.Duration, Error = s.Error, ProcessId = s.ProcessId,
    };
}

[JsonSerializable(typeof(DiskImageTransfer))]
[JsonSerializable(typeof(DiskImageSession))]
internal sealed partial class ImagingStatusJson : JsonSerializerContext;
