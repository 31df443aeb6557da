namespace PeerStorage.Core.Vault;

/// <summary>What <see cref="VaultStore.Check"/> found: healthy when <see cref="Problems"/> is empty.</summary>
public sealed record VaultCheckResult(IReadOnlyList<string> Problems, long RegionsChecked, long BlocksVerified)
{
    public bool IsHealthy => Problems.Count == 0;

    public override string ToString() => IsHealthy
        ? $"Healthy: {RegionsChecked} regions, {BlocksVerified} blocks verified."
        : $"{Problems.Count} problems: " + string.Join("; ", Problems.Take(10));
}
