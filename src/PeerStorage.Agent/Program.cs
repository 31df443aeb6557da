using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PeerStorage.Agent;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        AgentSettings settings;
        IConfigurationRoot configuration;
        try
        {
            var commandLine = CommandLine.Parse(args);
            if (commandLine.HelpRequested)
            {
                Console.Out.Write(CommandLine.Usage);
                return AgentExitCodes.Success;
            }
            (configuration, var files) = AgentConfiguration.Load(commandLine);
            settings = AgentSettings.From(configuration, files);
        }
        catch (AgentConfigurationException e)
        {
            // Before the host exists there is no logger: say it plainly on stderr.
            Console.Error.WriteLine($"peerstorage-agent: {e.Message}");
            return AgentExitCodes.InvalidConfiguration;
        }

        using var host = AgentHost.Build(configuration, settings);
        var exit = host.Services.GetRequiredService<AgentExitStatus>();
        try
        {
            await host.RunAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return exit.Code; // stopped (SIGTERM, Ctrl+C) while the node was still starting: a clean stop
        }
        catch (Exception e)
        {
            return AgentExitCodes.For(e); // the node service has logged why
        }
        return exit.Code;
    }
}
