using System.Net;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;

namespace PeerStorage.Core.Transport;

/// <summary>Who is calling a handler: the peer as the TLS handshake authenticated it, never as it claims to be.</summary>
public sealed class PeerCallContext
{
    internal PeerCallContext(PeerConnection connection, string method)
    {
        Connection = connection;
        Method = method;
    }

    public PeerConnection Connection { get; }
    public string Method { get; }
    public NodeId RemoteNodeId => Connection.RemoteNodeId;
    public string RemoteName => Connection.RemoteName;
    public TrustBasis TrustBasis => Connection.TrustBasis;
    public EndPoint? RemoteEndPoint => Connection.RemoteEndPoint;
}
