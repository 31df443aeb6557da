using System.Net;

namespace PeerStorage.Network.Tests.Lab;

/// <summary>A host's network interface (ethN) on a bridge, with its IPv4 address.</summary>
public sealed record LabInterface(string Name, LabBridge Bridge, IPAddress Address)
{
    public override string ToString() => $"{Name} {Address}/{LabBridge.PrefixLength} on {Bridge.DeviceName}";
}
