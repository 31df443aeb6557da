using System.Management.Automation;
using System.Net;
using PeerStorage.Core.Multicast.Net;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Imaging;

/// <summary>A cmdlet that takes part in a multicast session: -Group, -Port, -Interface and -Ttl.</summary>
public abstract class MulticastCmdlet : NodeCmdlet
{
    /// <summary><para>The IPv4 multicast group. Every machine of one imaging run uses the same.</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [PSDefaultValue(Help = "239.255.80.73")]
    public string Group { get; set; } = MulticastEndpoint.DefaultGroup.ToString();

    /// <summary><para>The control port; data uses the next one.</para></summary>
    [Parameter]
    [ValidateRange(1, 65534)]
    public int Port { get; set; } = MulticastEndpoint.DefaultControlPort;

    /// <summary><para>The network interface to multicast on (for example eth0). Defaults to the one the routing table picks for the group.</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Interface { get; set; }

    /// <summary><para>How many routers the multicast may cross. 1 (the default) keeps it on the local link.</para></summary>
    [Parameter]
    [ValidateRange(1, 255)]
    public int Ttl { get; set; } = 1;

    /// <summary>
    /// Runs an imaging run through the job runner (-AsJob or here); an engine failure here becomes this item's error
    /// record with its id, so a deploy script can match it.
    /// </summary>
    internal void RunImaging(Core.Node.NodeSession session, Core.Jobs.JobSpec spec, Func<Core.Jobs.JobContext, Task> work, bool asJob, object target)
    {
        try
        {
            RunLongWork(session, spec, work, asJob);
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e, target));
        }
    }

    /// <summary>The endpoint the parameters describe; a bad group or interface ends this item with an error.</summary>
    internal bool TryGetEndpoint(out MulticastEndpoint endpoint)
    {
        endpoint = null!;
        try
        {
            if (!IPAddress.TryParse(Group, out var group)) throw new ArgumentException($"'{Group}' is not an IP address.");
            var candidate = new MulticastEndpoint { Group = group, ControlPort = Port, Interface = Interface, Ttl = Ttl };
            candidate.Validate();
            endpoint = candidate;
            return true;
        }
        catch (ArgumentException e)
        {
            WriteError(ErrorRecords.From(new PeerStorageException("MulticastEndpointInvalid", PeerErrorKind.InvalidArgument, e.Message, e, Group)));
            return false;
        }
    }
}
