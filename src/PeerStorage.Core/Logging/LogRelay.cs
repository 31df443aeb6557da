using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace PeerStorage.Core.Logging;

/// <summary>
/// Carries engine log events to whoever started the work (a cmdlet or a job) along the async flow. A cmdlet opens
/// a scope; everything the engine logs on that flow, on any thread, reaches the scope's handler as well as the file.
/// </summary>
public static class LogRelay
{
    private static readonly AsyncLocal<Action<EngineLogEvent>?> Current = new();

    public static IDisposable Begin(Action<EngineLogEvent> handler)
    {
        var previous = Current.Value;
        Current.Value = handler;
        return new Scope(previous);
    }

    internal static void Emit(EngineLogEvent e) => Current.Value?.Invoke(e);

    private sealed class Scope(Action<EngineLogEvent>? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}

/// <summary>The Serilog sink that hands events to the current relay scope.</summary>
internal sealed class RelaySink : ILogEventSink
{
    // ":l" renders strings as they are: people read these lines, so no JSON-style quotes around names.
    private static readonly MessageTemplateTextFormatter Text = new("{Message:l}");

    public void Emit(LogEvent logEvent)
    {
        var level = logEvent.Level switch
        {
            LogEventLevel.Verbose or LogEventLevel.Debug => EngineLogLevel.Debug,
            LogEventLevel.Information => EngineLogLevel.Verbose, // engine chatter belongs on the Verbose stream
            LogEventLevel.Warning => EngineLogLevel.Warning,
            _ => EngineLogLevel.Error,
        };
        // Events marked as user-facing information go to the Information stream.
        if (logEvent.Properties.ContainsKey(NodeLog.UserFacingProperty) && level == EngineLogLevel.Verbose) level = EngineLogLevel.Information;
        var message = new StringWriter();
        Text.Format(logEvent, message);
        LogRelay.Emit(new EngineLogEvent(logEvent.Timestamp, level, message.ToString(), logEvent.Exception));
    }
}
