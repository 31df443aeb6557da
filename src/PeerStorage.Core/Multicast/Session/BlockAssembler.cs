using PeerStorage.Core.Multicast.Fec;
using PeerStorage.Core.Multicast;
using Serilog;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>
/// Collects symbols into blocks on a receiver. The data thread only copies each symbol into its block's slot; once a
/// block has K symbols a completion thread decodes it (when repairs stood in for lost source symbols), checks it
/// against its Merkle leaf and stores it. A block that fails the check (a forged or damaged symbol) is dropped whole
/// and asked for again; nothing unverified reaches the staging file. Slots come from a fixed pool, allocated as they
/// are first needed. When all are taken, a block that is no longer being fed (it lost symbols and waits for repairs)
/// gives its slot up and is asked for again at the end of the pass; when the others are still being fed or checked,
/// the data thread waits for the checks to free one (the socket's buffer holds what arrives meanwhile, and the backlog
/// this builds tells the sender to slow down) instead of throwing away symbols that are arriving now.
/// </summary>
internal sealed class BlockAssembler : IDisposable
{
    public const int DefaultSlots = 320;
    /// <summary>How long the data thread waits for the checks to free a slot before it takes a block's slot anyway.</summary>
    private static readonly TimeSpan SlotWait = TimeSpan.FromMilliseconds(500);
    /// <summary>
    /// A block that got none of the last this many symbols is no longer being fed (it waits for repairs). A window
    /// feeds each of its blocks every <see cref="MulticastSender.WindowBlocks"/> symbols.
    /// </summary>
    private const long StaleAfterSymbols = 16 * MulticastSender.WindowBlocks;

    private readonly ImageGeometry _geometry;
    private readonly ImageStaging _staging;
    private readonly SessionStatistics _statistics;
    private readonly ILogger _log;
    private readonly object _gate = new();
    private readonly Dictionary<int, Slot> _assembling = [];
    private readonly Stack<Slot> _free = new();
    private readonly Queue<Slot> _complete = new(); // under _gate
    private readonly Thread _completer;
    private readonly CauchyCode _code;
    private readonly int _maxSlots;
    private int _allocated;
    private int _completing; // slots handed to the completion thread and not back yet (under _gate)
    private bool _completerWaiting; // under _gate
    private bool _slotWaiter; // the data thread waits for a slot (under _gate)
    private bool _disposed;
    private long _clock;
    private long _duplicates;
    private long _overruns;
    private long _reclaims;
    private long _slotWaits;

    private readonly SequentialImageHash? _imageHash;

    public BlockAssembler(ImageGeometry geometry, ImageStaging staging, SessionStatistics statistics, ILogger log, SequentialImageHash? imageHash = null,
        int slots = DefaultSlots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _imageHash = imageHash;
        _geometry = geometry;
        _staging = staging;
        _statistics = statistics;
        _log = log;
        _maxSlots = slots;
        _code = new CauchyCode(geometry.SymbolsPerBlock, geometry.SymbolSize);
        _completer = new Thread(CompleteLoop) { IsBackground = true, Name = "imaging-complete" };
        _completer.Start();
    }

    public long Duplicates => Interlocked.Read(ref _duplicates);
    /// <summary>Symbols dropped because every slot stayed taken by a block being checked.</summary>
    public long Overruns => Interlocked.Read(ref _overruns);
    /// <summary>Partly assembled blocks that gave their slot up to a newer block (they are asked for again).</summary>
    public long Reclaims => Interlocked.Read(ref _reclaims);
    /// <summary>Times the data thread waited for the checks to free a slot.</summary>
    public long SlotWaits => Interlocked.Read(ref _slotWaits);
    /// <summary>Blocks whole and waiting for (or in) their check.</summary>
    public int PendingChecks => Volatile.Read(ref _completing);
    /// <summary>Slots allocated so far (at most the pool's size).</summary>
    public int SlotsAllocated => Volatile.Read(ref _allocated);

    /// <summary>Takes one symbol (data thread).</summary>
    public void Add(int block, int symbol, ReadOnlySpan<byte> bytes)
    {
        var k = _geometry.SymbolsPerBlock;
        if ((uint)block >= (uint)_geometry.BlockCount || symbol >= k + _geometry.RepairSymbols || _staging.Has(block))
        {
            _duplicates++;
            return;
        }
        Slot slot;
        lock (_gate)
        {
            if (!_assembling.TryGetValue(block, out slot!))
            {
                if (TakeSlot() is not { } taken)
                {
                    // Every slot still waits for its check after a while: drop the symbol; it is NAKed.
                    _overruns++;
                    return;
                }
                slot = taken;
                slot.Reset(block);
                _assembling[block] = slot;
            }
            if (slot.Completing) return;
            slot.Touch = ++_clock;
        }
        if (!slot.Add(symbol, bytes, k))
        {
            _duplicates++;
            return;
        }
        if (slot.Held >= k)
        {
            lock (_gate)
            {
                slot.Completing = true;
                _completing++;
                _complete.Enqueue(slot);
                if (_completerWaiting) Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Symbols a block still needs: 0 when stored or being checked, K when nothing of it is here.</summary>
    public int NeedOf(int block)
    {
        if (_staging.Has(block)) return 0;
        lock (_gate)
        {
            if (!_assembling.TryGetValue(block, out var slot)) return _geometry.SymbolsPerBlock;
            return slot.Completing ? 0 : _geometry.SymbolsPerBlock - slot.Held;
        }
    }

    // Under _gate. A free slot, else a new one while the pool is not all allocated. Else the pool is full of blocks
    // being fed or checked: a block not fed for a while (it lost symbols and waits for repairs) gives its slot up and is
    // asked for again; blocks still being fed are left alone while the completion thread will free a slot soon (taking
    // theirs would throw away symbols that are coming now, and every block of the window would lose its slot in turn).
    // The least recently fed block goes when nothing is being checked, or when the checks free nothing in SlotWait;
    // null when no slot can be had (the symbol is dropped and NAKed).
    private Slot? TakeSlot()
    {
        if (_free.Count > 0) return _free.Pop();
        if (_allocated < _maxSlots)
        {
            _allocated++;
            return new Slot(_geometry);
        }
        var victim = LeastRecentlyFed();
        if (victim is not null && (_completing == 0 || _clock - victim.Touch > StaleAfterSymbols)) return Reclaim(victim);
        if (_completing == 0) return null;
        _slotWaits++;
        var deadline = Environment.TickCount64 + (long)SlotWait.TotalMilliseconds;
        while (_free.Count == 0 && !_disposed)
        {
            var left = deadline - Environment.TickCount64;
            if (left <= 0) break;
            _slotWaiter = true;
            Monitor.Wait(_gate, (int)left);
            _slotWaiter = false;
        }
        if (_free.Count > 0) return _free.Pop();
        return LeastRecentlyFed() is { } last ? Reclaim(last) : null;
    }

    private Slot? LeastRecentlyFed()
    {
        Slot? victim = null;
        foreach (var s in _assembling.Values)
            if (!s.Completing && (victim is null || s.Touch < victim.Touch)) victim = s;
        return victim;
    }

    private Slot Reclaim(Slot victim)
    {
        _assembling.Remove(victim.Block);
        _reclaims++;
        return victim;
    }

    private void CompleteLoop()
    {
        while (true)
        {
            Slot slot;
            lock (_gate)
            {
                while (_complete.Count == 0)
                {
                    if (_disposed) return;
                    _completerWaiting = true;
                    Monitor.Wait(_gate);
                    _completerWaiting = false;
                }
                slot = _complete.Dequeue();
            }
            Complete(slot);
        }
    }

    private void Complete(Slot slot)
    {
        var length = _geometry.BlockLength(slot.Block);
        try
        {
            var k = _geometry.SymbolsPerBlock;
            var missing = k - slot.Sources;
            if (missing > 0)
                _code.Decode(slot.Data, slot.Present, slot.RepairIndices.AsSpan(0, missing), slot.Repairs.AsSpan(0, missing * _geometry.SymbolSize));
            if (_staging.TryStoreBlock(slot.Block, slot.Data.AsSpan(0, length)))
            {
                _statistics.AddFromMulticast(length);
                _imageHash?.Stored(slot.Block, slot.Data.AsSpan(0, length));
            }
            else
            {
                _statistics.AddRejectedBlock();
                _log.Warning("Block {Block} did not match its Merkle leaf and was dropped (a forged or damaged packet); it is asked for again", slot.Block);
            }
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            _log.Warning("Block {Block} could not be completed: {Error}", slot.Block, e.Message);
        }
        lock (_gate)
        {
            _assembling.Remove(slot.Block);
            slot.Completing = false;
            _completing--;
            _free.Push(slot);
            if (_slotWaiter) Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
        _completer.Join(); // what was queued is completed first: those blocks are whole
    }

    /// <summary>One block being assembled: its source symbols in place, repairs beside them (allocated when the first comes).</summary>
    private sealed class Slot(ImageGeometry geometry)
    {
        // Never read before written: a symbol's bytes count only once Present says so, and decoding fills the rest.
        public readonly byte[] Data = GC.AllocateUninitializedArray<byte>(geometry.CodedBlockBytes);
        public byte[] Repairs = [];
        public readonly bool[] Present = new bool[geometry.SymbolsPerBlock];
        public readonly int[] RepairIndices = new int[geometry.SymbolsPerBlock];
        public int Block;
        public int Sources;
        public int RepairCount;
        public long Touch;
        public volatile bool Completing;

        public int Held => Sources + RepairCount;

        public void Reset(int block)
        {
            Block = block;
            Sources = 0;
            RepairCount = 0;
            Array.Clear(Present);
            Completing = false;
        }

        /// <summary>Copies a symbol in; false when it is one the slot already has.</summary>
        public bool Add(int symbol, ReadOnlySpan<byte> bytes, int k)
        {
            var size = geometry.SymbolSize;
            if (symbol < k)
            {
                if (Present[symbol]) return false;
                bytes.CopyTo(Data.AsSpan(symbol * size, size));
                Present[symbol] = true;
                Sources++;
                return true;
            }
            var repair = symbol - k;
            for (var i = 0; i < RepairCount; i++)
                if (RepairIndices[i] == repair) return false;
            if (RepairCount == k) return false;
            if (Repairs.Length == 0) Repairs = GC.AllocateUninitializedArray<byte>(geometry.CodedBlockBytes);
            bytes.CopyTo(Repairs.AsSpan(RepairCount * size, size));
            RepairIndices[RepairCount++] = repair;
            return true;
        }
    }
}
