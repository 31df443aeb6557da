using System.Threading.Channels;
using PeerStorage.Core.Multicast.Fec;
using PeerStorage.Core.Multicast;
using Serilog;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>
/// Collects symbols into blocks on a receiver. The data thread only copies each symbol into its block's slot; once a
/// block has K symbols a completion thread decodes it (when repairs stood in for lost source symbols), checks it
/// against its Merkle leaf and stores it. A block that fails the check (a forged or damaged symbol) is dropped whole
/// and asked for again; nothing unverified reaches the staging file. Slots are a fixed pool: when all are taken the
/// least recently fed block gives its slot up and is asked for again at the end of the pass.
/// </summary>
internal sealed class BlockAssembler : IDisposable
{
    public const int DefaultSlots = 320;

    private readonly ImageGeometry _geometry;
    private readonly ImageStaging _staging;
    private readonly SessionStatistics _statistics;
    private readonly ILogger _log;
    private readonly object _gate = new();
    private readonly Dictionary<int, Slot> _assembling = [];
    private readonly Stack<Slot> _free = new();
    private readonly Channel<Slot> _complete = Channel.CreateUnbounded<Slot>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _completer;
    private readonly CauchyCode _code;
    private long _clock;
    private long _duplicates;
    private long _overruns;

    private readonly SequentialImageHash? _imageHash;

    public BlockAssembler(ImageGeometry geometry, ImageStaging staging, SessionStatistics statistics, ILogger log, SequentialImageHash? imageHash = null,
        int slots = DefaultSlots)
    {
        _imageHash = imageHash;
        _geometry = geometry;
        _staging = staging;
        _statistics = statistics;
        _log = log;
        _code = new CauchyCode(geometry.SymbolsPerBlock, geometry.SymbolSize);
        for (var i = 0; i < slots; i++) _free.Push(new Slot(geometry));
        _completer = new Thread(CompleteLoop) { IsBackground = true, Name = "imaging-complete" };
        _completer.Start();
    }

    public long Duplicates => Interlocked.Read(ref _duplicates);
    /// <summary>Symbols dropped because every slot was waiting for its check.</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

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
                if ((_free.Count > 0 ? _free.Pop() : Reclaim()) is not { } taken)
                {
                    // Every slot waits for its check: the checks are behind the data. Drop the symbol; it is NAKed.
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
            slot.Completing = true;
            _complete.Writer.TryWrite(slot);
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

    // The least recently fed block that is not being checked gives its slot up; null when all are being checked.
    private Slot? Reclaim()
    {
        var victim = _assembling.Values.Where(s => !s.Completing).MinBy(s => s.Touch);
        if (victim is not null) _assembling.Remove(victim.Block);
        return victim;
    }

    private void CompleteLoop()
    {
        var reader = _complete.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var slot)) Complete(slot);
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
            _free.Push(slot);
        }
    }

    public void Dispose()
    {
        _complete.Writer.TryComplete();
        _completer.Join();
    }

    /// <summary>One block being assembled: its source symbols in place, repairs beside them.</summary>
    private sealed class Slot(ImageGeometry geometry)
    {
        public readonly byte[] Data = new byte[geometry.CodedBlockBytes];
        public readonly byte[] Repairs = new byte[geometry.CodedBlockBytes];
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
            bytes.CopyTo(Repairs.AsSpan(RepairCount * size, size));
            RepairIndices[RepairCount++] = repair;
            return true;
        }
    }
}
