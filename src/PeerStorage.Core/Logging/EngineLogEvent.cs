namespace PeerStorage.Core.Logging;

/// <summary>How much an engine event matters; the cmdlet layer maps these to Verbose, Information and Warning.</summary>
public enum EngineLogLevel { Debug, Verbose, Information, Warning, Error }

/// <summary>One engine log event, relayed to the PowerShell streams of the cmdlet or job that caused it.</summary>
public sealed record EngineLogEvent(DateTimeOffset Timestamp, EngineLogLevel Level, string Message, Exception? Exception);
