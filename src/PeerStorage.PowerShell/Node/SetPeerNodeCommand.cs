using System.Globalization;
using System.Management.Automation;
using PeerStorage.Core.DirectoryServer;
using PeerStorage.Core.State;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Node;

/// <summary>
/// <para type="synopsis">Changes a node's name, port, directory server, directory refresh interval or lease grace period.</para>
/// <para type="description">Set-PeerNode writes the node's settings in its state database. A node that runs (in a
/// session or as the agent) picks the change up within about a second: a new name is answered at once, a new port
/// makes it listen there instead.</para>
/// </summary>
/// <example>
/// <code>Set-PeerNode -NodePath /srv/peerstorage -Name lab-pc-08 -PassThru</code>
/// <para>Renames the node and returns it.</para>
/// </example>
/// <example>
/// <code>Get-PeerNode | Set-PeerNode -Port 48000 -WhatIf</code>
/// <para>Shows what would change, changing nothing.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "PeerNode", SupportsShouldProcess = true)]
[OutputType(typeof(PeerNode))]
public sealed class SetPeerNodeCommand : NodeCmdlet
{
    /// <summary><para>The node's new name.</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateLength(1, 63)]
    public string? Name { get; set; }

    /// <summary><para>The TCP port to listen on (0: any free port).</para></summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int? Port { get; set; }

    /// <summary><para>The directory server (host:port) used to find peers beyond the local link. An empty string clears it.</para></summary>
    [Parameter]
    [AllowEmptyString]
    public string? DirectoryAddress { get; set; }

    /// <summary><para>How often the running node registers again with its directory server, keeping its entry (and
    /// last-seen time) fresh there. Defaults to 1 minute; 1 second to 5 minutes, in whole seconds.</para></summary>
    [Parameter]
    public TimeSpan? DirectoryRefreshInterval { get; set; }

    /// <summary><para>How long after a hosted lease's end its space is wiped, for holders whose clocks run behind.
    /// Defaults to 5 minutes; at most a day.</para></summary>
    [Parameter]
    public TimeSpan? LeaseGracePeriod { get; set; }

    /// <summary><para>Returns the node after the change.</para></summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!TryGetSession(out var session)) return;
        var changes = new Dictionary<string, string?>();
        if (Name is not null) changes[SettingKeys.Name] = Name;
        if (Port is { } port) changes[SettingKeys.Port] = port.ToString(CultureInfo.InvariantCulture);
        if (DirectoryAddress is not null) changes[SettingKeys.DirectoryAddress] = DirectoryAddress.Length == 0 ? null : DirectoryAddress;
        if (LeaseGracePeriod is { } wanted && (wanted < TimeSpan.Zero || wanted > TimeSpan.FromDays(1)))
        {
            WriteError(ErrorRecords.From(new PeerStorageException("LeaseGraceOutOfRange", PeerErrorKind.InvalidArgument,
                $"A lease grace period is between 0 and 1 day, not {wanted}.", target: wanted)));
            return;
        }
        if (DirectoryRefreshInterval is { } refresh && (refresh < TimeSpan.FromSeconds(1) || refresh > DirectoryRegistration.MaxInterval))
        {
            WriteError(ErrorRecords.From(new PeerStorageException("DirectoryRefreshOutOfRange", PeerErrorKind.InvalidArgument,
                $"A directory refresh interval is between 1 second and {DirectoryRegistration.MaxInterval.TotalMinutes:0} minutes, not {refresh}.", target: refresh)));
            return;
        }
        if (DirectoryRefreshInterval is { } interval) changes[SettingKeys.DirectoryRefreshSeconds] = ((long)interval.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        if (LeaseGracePeriod is { } grace) changes[SettingKeys.LeaseGraceSeconds] = ((long)grace.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        if (changes.Count > 0)
        {
            var what = string.Join(", ", changes.Select(c => $"{c.Key} = {c.Value ?? "(none)"}"));
            if (!ShouldProcess($"{session.Home.Name} ({session.Home.NodeId})", $"Set {what}")) return;
            RunEngine((_, _) => { session.Home.Settings.Set(changes); return Task.CompletedTask; });
        }
        if (PassThru) WriteObject(session.Home.Describe());
    }
}
