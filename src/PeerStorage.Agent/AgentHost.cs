using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Logging.EventLog;

namespace PeerStorage.Agent;

/// <summary>
/// The Generic Host around the node service: console lifetime (SIGTERM, SIGINT, SIGQUIT), or systemd's (Type=notify)
/// or the Windows service's when it runs under one. Logs go to stderr (journald under systemd) and the event log on Windows.
/// </summary>
public static class AgentHost
{
    public const string ServiceName = "PeerStorageAgent";
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    public static IHost Build(IConfiguration configuration, AgentSettings settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            // No appsettings.json from the working directory or DOTNET_ variables: the agent's sources are its own.
            DisableDefaults = true,
            ApplicationName = ServiceName,
            // A Windows service starts in system32; nothing is read from here, but keep the root where the agent is.
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddConfiguration(configuration);

        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        // The host logs a failed start with a stack trace; the node service has already said why in one line.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss ";
        });
        // stdout is for data; a daemon's log belongs on stderr (and so in the journal under systemd).
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (OperatingSystem.IsWindows()) builder.Logging.AddEventLog(new EventLogSettings { SourceName = ServiceName });

        // After the console logger: under systemd this switches its format to journald's priority prefixes.
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(o => o.ServiceName = ServiceName);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<AgentExitStatus>();
        builder.Services.AddHostedService<NodeService>();
        return builder.Build();
    }
}
