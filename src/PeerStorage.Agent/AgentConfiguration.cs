using System.Text.Json;
using Microsoft.Extensions.Configuration;
using PeerStorage.Core.Node;

namespace PeerStorage.Agent;

/// <summary>
/// Where the agent's settings come from, lowest precedence first: /etc/peerstorage/agent.json (Linux), the
/// configuration file (--Config, else &lt;node home&gt;/agent.json), PEERSTORAGE_* environment variables, the command line.
/// </summary>
public static class AgentConfiguration
{
    public const string EnvironmentPrefix = "PEERSTORAGE_";
    public const string FileName = "agent.json";
    public const string SystemFile = "/etc/peerstorage/agent.json";

    /// <summary>Builds the configuration and names the files it read, so the agent can log where its settings came from.</summary>
    public static (IConfigurationRoot Configuration, IReadOnlyList<string> Files) Load(CommandLine commandLine)
    {
        var files = new List<string>();
        if (OperatingSystem.IsLinux() && File.Exists(SystemFile)) files.Add(SystemFile);

        // The node home decides where the default file is, and the home itself may be named by any layer but that file.
        var explicitFile = ConfigFileFromCommandLineOrEnvironment(commandLine);
        if (explicitFile is not null)
        {
            if (!File.Exists(explicitFile)) throw new AgentConfigurationException($"The configuration file '{explicitFile}' does not exist.");
            files.Add(explicitFile);
        }
        else
        {
            var withoutHomeFile = Build(files, commandLine);
            var home = NodeHome.ResolvePath(withoutHomeFile[AgentSettings.NodePathKey]);
            var homeFile = Path.Combine(home, FileName);
            if (File.Exists(homeFile)) files.Add(homeFile);
        }
        return (Build(files, commandLine), files);
    }

    private static string? ConfigFileFromCommandLineOrEnvironment(CommandLine commandLine)
    {
        var path = commandLine.Values.GetValueOrDefault(CommandLine.ConfigKey)
                   ?? Environment.GetEnvironmentVariable(EnvironmentPrefix + CommandLine.ConfigKey.ToUpperInvariant());
        return string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path);
    }

    private static IConfigurationRoot Build(IEnumerable<string> files, CommandLine commandLine)
    {
        var builder = new ConfigurationBuilder();
        foreach (var file in files) builder.AddJsonFile(file, optional: false, reloadOnChange: false);
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(commandLine.Values);
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or JsonException or IOException or UnauthorizedAccessException)
        {
            // The JSON provider names the file; its inner exception says what is wrong in it.
            var detail = e.InnerException is null ? e.Message : $"{e.Message} {e.InnerException.Message}";
            throw new AgentConfigurationException($"The configuration cannot be read: {detail}", e);
        }
    }
}
