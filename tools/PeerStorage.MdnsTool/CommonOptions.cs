using PeerStorage.Core.Discovery;
using Serilog;
using Serilog.Events;

namespace PeerStorage.MdnsTool;

/// <summary>Options every command shares: service type, mDNS port, interfaces, log level.</summary>
internal static class CommonOptions
{
    public static readonly string[] Flags = ["loopback", "ipv4-only", "json", "browse", "ignore-stdin", "multicast"];

    public static MdnsOptions Mdns(ToolArguments args) => new()
    {
        Port = args.Int("mdns-port", MdnsOptions.StandardPort),
        IncludeLoopback = args.Flag("loopback"),
        UseIPv6 = !args.Flag("ipv4-only"),
        InterfaceNames = args.Values("interface") is { Count: > 0 } names ? names.ToArray() : null,
    };

    public static string ServiceType(ToolArguments args) => args.Value("type") ?? PeerStorageService.ServiceType;

    public static ILogger Logger(ToolArguments args)
    {
        var level = (args.Value("log") ?? "warning").ToLowerInvariant() switch
        {
            "debug" => LogEventLevel.Debug,
            "info" or "information" => LogEventLevel.Information,
            "error" => LogEventLevel.Error,
            _ => LogEventLevel.Warning,
        };
        return new LoggerConfiguration().MinimumLevel.Is(level).WriteTo.Sink(new StderrSink()).CreateLogger();
    }

    /// <summary>"k=v" pairs; "k" alone is a flag key.</summary>
    public static Dictionary<string, string?> Txt(IEnumerable<string> pairs)
    {
        var txt = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=');
            if (equals < 0) txt[pair] = null;
            else txt[pair[..equals]] = pair[(equals + 1)..];
        }
        return txt;
    }
}
