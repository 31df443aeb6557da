using System.Reflection;

namespace PeerStorage.Agent.Tests.Infrastructure;

/// <summary>The built peerstorage-agent.dll, whose path the build compiles into this assembly.</summary>
public static class AgentBinary
{
    public static string Path { get; } = Locate();

    private static string Locate()
    {
        var path = typeof(AgentBinary).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "PeerStorageAgentPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
            throw new InvalidOperationException($"The agent is not built at '{path}'. Build tests/PeerStorage.Agent.Tests, which builds the agent first.");
        return path;
    }
}
