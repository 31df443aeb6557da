using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using Serilog;

namespace PeerStorage.Core.Transport;

/// <summary>This side of a connection: who we are, our limits, what we serve.</summary>
internal sealed record ConnectionSetup(bool IsClient, TransportCredentials Credentials, TransportOptions Options, RequestRouter? Router, ILogger Log);

/// <summary>The other side as the TLS handshake proved it: node id from its key, and why the trust policy accepted it.</summary>
internal sealed record AuthenticatedPeer(
    NodeId NodeId,
    TrustBasis Basis,
    X509Certificate2? Certificate,
    IReadOnlyList<X509Certificate2> PresentedChain,
    SslProtocols Protocol,
    EndPoint? EndPoint);
