using Microsoft.Extensions.Logging;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Logging;

namespace PeerStorage.Agent;

/// <summary>
/// Receives what the node's job run reports and writes it to the agent's logger (console, journald or the event log).
/// The engine already writes everything to the node home's file log; this puts the same events where a service
/// manager shows them.
/// </summary>
public sealed class LoggerObserver(ILogger log) : IOperationObserver
{
    public void Output(object item) => log.LogDebug("Node output: {Item}", item);

    public void Error(PeerStorageException error) => log.LogError("{ErrorId}: {Message}", error.ErrorId, error.Message);

    public void Progress(OperationProgress progress) { } // a node reports no progress worth a service log

    public void Log(EngineLogEvent logEvent)
    {
        var level = logEvent.Level switch
        {
            EngineLogLevel.Debug or EngineLogLevel.Verbose => LogLevel.Debug,
            EngineLogLevel.Information => LogLevel.Information,
            EngineLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        // An engine error already carries a clear message; a stack trace helps only for the unexpected ones.
        if (logEvent.Exception is PeerStorageException expected)
            log.Log(level, "{Message}: {Reason}", logEvent.Message, expected.Message);
        else
            log.Log(level, logEvent.Exception, "{Message}", logEvent.Message);
    }
}
