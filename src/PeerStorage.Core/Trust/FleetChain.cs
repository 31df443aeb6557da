using System.Security.Cryptography.X509Certificates;

namespace PeerStorage.Core.Trust;

/// <summary>Whether a certificate was issued by a given fleet CA, with that CA as the only root (no system store).</summary>
public static class FleetChain
{
    public static bool IssuedBy(X509Certificate2 leaf, X509Certificate2 ca, out string problem)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // fleet revocation is our own signed list
        chain.ChainPolicy.DisableCertificateDownloads = true;
        var valid = chain.Build(leaf);
        var root = chain.ChainElements.Count > 0 ? chain.ChainElements[^1].Certificate : null;
        if (valid && root is not null && root.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span) && chain.ChainElements.Count == 2)
        {
            problem = "";
            return true;
        }
        problem = chain.ChainStatus.Length > 0
            ? string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct())
            : "not issued by this fleet";
        if (problem.Length == 0) problem = "not issued by this fleet";
        return false;
    }
}
