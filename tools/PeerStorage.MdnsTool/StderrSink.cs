using Serilog.Core;
using Serilog.Events;

namespace PeerStorage.MdnsTool;

/// <summary>Log lines to standard error, so standard output stays pure JSON for whoever reads it.</summary>
internal sealed class StderrSink : ILogEventSink
{
    public void Emit(LogEvent logEvent)
    {
        var line = $"{logEvent.Timestamp:HH:mm:ss.fff} [{logEvent.Level.ToString()[..3].ToUpperInvariant()}] {logEvent.RenderMessage()}";
        if (logEvent.Exception is not null) line += Environment.NewLine + logEvent.Exception;
        lock (this) Console.Error.WriteLine(line);
    }
}
