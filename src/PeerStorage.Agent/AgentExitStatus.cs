namespace PeerStorage.Agent;

/// <summary>The exit code the agent ends with, set by the node service when the node fails after it has started.</summary>
public sealed class AgentExitStatus
{
    private int _code = AgentExitCodes.Success;

    public int Code => Volatile.Read(ref _code);

    /// <summary>Records a failure; the first one wins, since later ones are usually its consequences.</summary>
    public void Fail(int code) => Interlocked.CompareExchange(ref _code, code, AgentExitCodes.Success);
}
