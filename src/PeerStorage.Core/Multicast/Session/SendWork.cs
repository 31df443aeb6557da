using System.Collections.Concurrent;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>
/// What the sender's data thread still has to send, filled by the control side from NAKs: whole blocks for the current
/// pass (in block order, each once) and repairs (a block needing fewer than K symbols gets that many fresh repair
/// symbols; the largest need heard since the last repair wins, which is the aggregation that makes one repair serve
/// every receiver).
/// </summary>
internal sealed class SendWork(int blockCount)
{
    private readonly object _gate = new();
    private readonly bool[] _planned = new bool[blockCount];
    private readonly SortedSet<int> _plan = [];
    private readonly Dictionary<int, int> _repairs = [];
    private readonly uint[] _lastRepairSequence = new uint[blockCount];
    private readonly SemaphoreSlim _signal = new(0);

    public bool IsEmpty
    {
        get { lock (_gate) return _plan.Count == 0 && _repairs.Count == 0; }
    }

    /// <summary>Whole blocks waiting for a pass, for reports.</summary>
    public int PlannedBlocks
    {
        get { lock (_gate) return _plan.Count; }
    }

    /// <summary>
    /// Records a receiver's need for a block. A need of K or more means the whole block; a smaller need is ignored when
    /// the receiver had not yet seen the repairs sent for that block since (they are in flight).
    /// </summary>
    public void Need(int block, int need, int symbolsPerBlock, uint seenSequence)
    {
        if ((uint)block >= (uint)_planned.Length) return;
        lock (_gate)
        {
            if (need >= symbolsPerBlock)
            {
                _repairs.Remove(block);
                if (!_planned[block])
                {
                    _planned[block] = true;
                    _plan.Add(block);
                }
            }
            else if (!_planned[block] && RepairsWereSeen(_lastRepairSequence[block], seenSequence))
            {
                _repairs[block] = Math.Max(_repairs.GetValueOrDefault(block), need);
            }
        }
        _signal.Release();
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> jobs: repairs first (they complete blocks receivers already hold most of),
    /// then whole blocks in order. Count is the number of symbols; Whole says they are the source symbols.
    /// </summary>
    public int Take(Span<SendJob> jobs, int max)
    {
        var n = 0;
        lock (_gate)
        {
            foreach (var (block, need) in _repairs)
            {
                if (n == max) break;
                jobs[n++] = new SendJob(block, need, Whole: false);
            }
            for (var i = 0; i < n; i++) _repairs.Remove(jobs[i].Block);
            while (n < max && _plan.Count > 0)
            {
                var block = _plan.Min;
                _plan.Remove(block);
                _planned[block] = false;
                jobs[n++] = new SendJob(block, 0, Whole: true);
            }
        }
        return n;
    }

    /// <summary>The data thread notes the sequence of the last repair symbol it sent for a block.</summary>
    public void RepairSent(int block, uint sequence)
    {
        lock (_gate) _lastRepairSequence[block] = sequence;
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
    public bool Wait(TimeSpan timeout, CancellationToken cancellationToken) => _signal.Wait(timeout, cancellationToken);

    // True when the receiver had seen the last repair sent (or none was sent). Sequences wrap: compared as TCP does.
    private static bool RepairsWereSeen(uint sent, uint seen) => sent == 0 || (int)(seen - sent) >= 0;
}

/// <summary>One block's share of a window: its K source symbols (Whole), or Count fresh repair symbols.</summary>
internal readonly record struct SendJob(int Block, int Count, bool Whole);
