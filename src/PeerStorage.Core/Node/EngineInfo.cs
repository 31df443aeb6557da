using System.Reflection;

namespace PeerStorage.Core.Node;

public static class EngineInfo
{
    /// <summary>The engine's informational version (without the source revision suffix).</summary>
    public static string Version { get; } =
        (typeof(EngineInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>The wire protocol version nodes announce and check.</summary>
    public const ushort ProtocolVersion = 1;
}
