using PeerStorage.Core.Node;

namespace PeerStorage.Core.Transport;

/// <summary>
/// An error the peer sent back in an error frame: its handler failed, the method does not exist, the peer
/// cancelled the stream. ErrorId and Kind are the peer's, so a script sees the same id on both nodes.
/// </summary>
public sealed class PeerRemoteException : PeerStorageException
{
    internal PeerRemoteException(NodeId remoteNodeId, string method, ErrorMessage error)
        : base(error.ErrorId, error.Kind, error.Message, target: remoteNodeId.ToString())
    {
        RemoteNodeId = remoteNodeId;
        Method = method;
    }

    public NodeId RemoteNodeId { get; }
    public string Method { get; }
}
