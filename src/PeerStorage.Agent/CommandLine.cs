namespace PeerStorage.Agent;

/// <summary>
/// The agent's command line: <c>--Key value</c>, <c>--Key=value</c> (one or two dashes, any case) for the known keys
/// only, so a typo fails at start instead of being silently ignored, and a bare <c>--Initialize</c> switch.
/// </summary>
public sealed class CommandLine
{
    public const string ConfigKey = "Config";

    /// <summary>The keys the agent reads, with their canonical spelling.</summary>
    public static readonly IReadOnlyList<string> Keys = [ConfigKey, AgentSettings.NodePathKey, AgentSettings.PortKey, AgentSettings.NameKey, AgentSettings.InitializeKey,
        AgentSettings.DirectoryRoleKey, AgentSettings.DirectoryAddressKey];

    private static readonly HashSet<string> Switches = new(StringComparer.OrdinalIgnoreCase) { AgentSettings.InitializeKey };
    private static readonly HashSet<string> HelpWords = new(StringComparer.OrdinalIgnoreCase) { "--help", "-help", "-h", "-?", "/?", "/h" };

    private CommandLine(IReadOnlyDictionary<string, string?> values, bool helpRequested)
    {
        Values = values;
        HelpRequested = helpRequested;
    }

    /// <summary>The options given, by canonical key.</summary>
    public IReadOnlyDictionary<string, string?> Values { get; }
    public bool HelpRequested { get; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (HelpWords.Contains(arg)) return new CommandLine(values, helpRequested: true);
            if (!arg.StartsWith('-') || arg.TrimStart('-').Length == 0)
                throw new AgentConfigurationException($"Unexpected argument '{arg}'. Options are --{string.Join(", --", Keys)}; see --help.");

            var body = arg.TrimStart('-');
            var equals = body.IndexOf('=');
            var name = equals < 0 ? body : body[..equals];
            var key = Keys.FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase))
                ?? throw new AgentConfigurationException($"Unknown option '{arg}'. Options are --{string.Join(", --", Keys)}; see --help.");

            string value;
            if (equals >= 0) value = body[(equals + 1)..];
            else if (Switches.Contains(key))
            {
                // A switch takes an explicit true/false only when one follows; otherwise its presence means true.
                if (i + 1 < args.Count && bool.TryParse(args[i + 1], out _)) value = args[++i];
                else value = "true";
            }
            else if (i + 1 < args.Count) value = args[++i];
            else throw new AgentConfigurationException($"Option '{arg}' needs a value.");
            values[key] = value;
        }
        return new CommandLine(values, helpRequested: false);
    }

    public const string Usage = """
        peerstorage-agent: runs a PeerStorage node as a service (systemd, Windows service or console).

        Usage: peerstorage-agent [--Config <file>] [--NodePath <dir>] [--Port <n>] [--Name <name>] [--Initialize]

          --Config <file>    JSON configuration (default: <node home>/agent.json, if present)
          --NodePath <dir>   the node home (default: $PEERSTORAGE_HOME, else the per-user default)
          --Port <n>         the TCP port the node listens on (0 picks a free one); saved in the node's settings
          --Name <name>      the node's name; saved in the node's settings
          --Initialize       create the node home if it does not exist yet

        Every key can also come from a configuration file or a PEERSTORAGE_<KEY> environment variable; the command
        line wins over the environment, which wins over files. /etc/peerstorage/agent.json is read first on Linux.
        Stop with SIGTERM or Ctrl+C. Exit codes: 0 stopped, 1 failure, 2 bad configuration, 3 no node home,
        4 port unavailable, 5 node already running.

        """;
}
