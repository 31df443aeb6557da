namespace PeerStorage.Network.Tests.Lab;

/// <summary>
/// A test that needs a <see cref="NetworkLab"/>: skipped, with the reason, when labs cannot run here or when a
/// program it names in <see cref="Requires"/> is not installed.
/// </summary>
public sealed class NetworkLabFactAttribute : FactAttribute
{
    private string[] _requires = [];

    public NetworkLabFactAttribute()
    {
        if (NetworkLab.UnavailableReason is { } reason) Skip = reason;
    }

    /// <summary>Programs the test runs (e.g. "avahi-daemon").</summary>
    public string[] Requires
    {
        get => _requires;
        set
        {
            _requires = value;
            var missing = value.Where(p => !Command.Exists(p)).ToList();
            if (Skip is null && missing.Count > 0)
                Skip = $"Needs {string.Join(", ", missing)} (Debian packages: see APT_PACKAGES in .ci/run).";
        }
    }
}
