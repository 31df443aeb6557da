using Serilog;
using Serilog.Events;

namespace PeerStorage.Core.Logging;

/// <summary>The node's Serilog logger: a rolling file in the node home (shared by cmdlets and the agent) and the relay.</summary>
public static class NodeLog
{
    public const string DirectoryName = "logs";
    internal const string UserFacingProperty = "UserFacing";

    public static ILogger Create(string nodeHome, string component)
    {
        var directory = Path.Combine(nodeHome, DirectoryName);
        Directory.CreateDirectory(directory);
        return new LoggerConfiguration()
            .MinimumLevel.Debug()
            .Enrich.WithProperty("Component", component)
            .Enrich.WithProperty("ProcessId", Environment.ProcessId)
            .WriteTo.File(Path.Combine(directory, "peerstorage-.log"),
                restrictedToMinimumLevel: LogEventLevel.Information,
                rollingInterval: RollingInterval.Day,
                fileSizeLimitBytes: 16 * 1024 * 1024,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: 14,
                shared: true, // a cmdlet and the agent may write at the same time
                outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Component}/{ProcessId}: {Message:lj}{NewLine}{Exception}")
            .WriteTo.Sink(new RelaySink())
            .CreateLogger();
    }

    /// <summary>Logs an event that the user should see on the Information stream, not only Verbose.</summary>
    public static void Tell(this ILogger log, string template, params object?[] values) =>
        log.ForContext(UserFacingProperty, true).Information(template, values);

    /// <summary>Closes the logger's file.</summary>
    public static void Close(ILogger log) => (log as IDisposable)?.Dispose();
}
