using System.Diagnostics;
using System.Net.Sockets;
using PeerStorage.Core.Multicast.Fec;
using PeerStorage.Core.Multicast.Net;
using PeerStorage.Core.Multicast.Protocol;
using Serilog;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>
/// The sender's data thread. It turns <see cref="SendWork"/> into windows of up to <see cref="WindowBlocks"/> blocks
/// and sends each window symbol-major (symbol 0 of every block, then symbol 1, ...), so a burst of loss costs every
/// block of the window one or two symbols instead of one block all of them, and a single repair symbol per block then
/// fixes it for every receiver that lost any one symbol. Packets are written straight into a batch buffer and leave
/// in offloaded sends of as many datagrams as fit 64 KB (45 of 1432 bytes); nothing is allocated per packet.
/// </summary>
internal sealed class MulticastSender : IDisposable
{
    public const int WindowBlocks = 32;

    private readonly ImageGeometry _geometry;
    private readonly IImageBlocks _blocks;
    private readonly SendWork _work;
    private readonly Socket _socket;
    private readonly bool _segmenting;
    private readonly CauchyCode _code;
    private readonly Pacer _pacer;
    private readonly ILogger _log;
    private readonly byte[] _window;
    private readonly byte[] _batch;
    private readonly int _batchPackets;
    private readonly byte[] _nextRepair;
    private readonly SendJob[] _jobs = new SendJob[WindowBlocks];
    private int _batchCount;
    private uint _sequence;
    private uint _windowNumber;
    private long _bytesSent;
    private long _packetsSent;
    private long _repairsSent;

    public MulticastSender(ImageGeometry geometry, IImageBlocks blocks, SendWork work, Socket socket, bool segmenting, double initialRate, ILogger log)
    {
        _geometry = geometry;
        _blocks = blocks;
        _work = work;
        _socket = socket;
        _segmenting = segmenting;
        _code = new CauchyCode(geometry.SymbolsPerBlock, geometry.SymbolSize);
        _pacer = new Pacer(initialRate);
        _log = log;
        _window = new byte[WindowBlocks * geometry.CodedBlockBytes];
        _batchPackets = segmenting ? Math.Min(MulticastSockets.MaxSegments, 65000 / geometry.PacketLength) : 1;
        _batch = new byte[_batchPackets * geometry.PacketLength];
        _nextRepair = new byte[geometry.BlockCount];
    }

    public uint SessionId { get; init; }
    /// <summary>The pass the data belongs to (set by the control side).</summary>
    public ushort Pass { get; set; }
    public uint LastSequence => Volatile.Read(ref _sequence);
    public long BytesSent => Interlocked.Read(ref _bytesSent);
    public long PacketsSent => Interlocked.Read(ref _packetsSent);
    public long RepairsSent => Interlocked.Read(ref _repairsSent);

    public double BytesPerSecond
    {
        get => _pacer.BytesPerSecond;
        set => _pacer.BytesPerSecond = value;
    }

    /// <summary>Why the data thread stopped on its own (a source that could not be read or did not match), if it did.</summary>
    public Exception? Fault { get; private set; }

    /// <summary>True while a window is being sent; false when the work ran dry (the control side ends the pass).</summary>
    public bool Busy { get; private set; }

    /// <summary>Runs on a dedicated thread until cancelled.</summary>
    public void Run(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var count = _work.Take(_jobs, WindowBlocks);
                if (count == 0)
                {
                    Busy = false;
                    _work.Wait(TimeSpan.FromMilliseconds(20), cancellationToken);
                    continue;
                }
                Busy = true;
                SendWindow(_jobs.AsSpan(0, count), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is PeerStorageException or IOException)
        {
            Fault = e; // the control side ends the session with it
        }
        Busy = false;
    }

    private void SendWindow(ReadOnlySpan<SendJob> jobs, CancellationToken cancellationToken)
    {
        var k = _geometry.SymbolsPerBlock;
        var coded = _geometry.CodedBlockBytes;
        var rounds = 0;
        for (var j = 0; j < jobs.Length; j++)
        {
            var slot = _window.AsSpan(j * coded, coded);
            var length = _blocks.ReadBlock(jobs[j].Block, slot);
            slot[length..].Clear();
            rounds = Math.Max(rounds, jobs[j].Whole ? k : jobs[j].Count);
        }
        var windowNumber = _windowNumber++;
        for (var round = 0; round < rounds; round++)
        {
            for (var j = 0; j < jobs.Length; j++)
            {
                var job = jobs[j];
                if (round >= (job.Whole ? k : job.Count)) continue;
                var packet = _batch.AsSpan(_batchCount * _geometry.PacketLength, _geometry.PacketLength);
                var symbolBytes = packet[DataPacket.HeaderLength..];
                var block = _window.AsSpan(j * coded, coded);
                int symbol;
                if (job.Whole)
                {
                    symbol = round;
                    block.Slice(round * _geometry.SymbolSize, _geometry.SymbolSize).CopyTo(symbolBytes);
                }
                else
                {
                    var repair = _nextRepair[job.Block];
                    _nextRepair[job.Block] = (byte)((repair + 1) % _geometry.RepairSymbols);
                    symbol = k + repair;
                    _code.EncodeRepair(block, repair, symbolBytes);
                    Interlocked.Increment(ref _repairsSent);
                }
                var sequence = ++_sequence;
                new DataPacket
                {
                    SessionId = SessionId, Sequence = sequence, Window = windowNumber, Block = job.Block,
                    Symbol = (ushort)symbol, Pass = Pass,
                }.WriteHeader(packet);
                if (!job.Whole && round == job.Count - 1) _work.RepairSent(job.Block, sequence);
                if (++_batchCount == _batchPackets) Flush(cancellationToken);
            }
        }
        Flush(cancellationToken);
    }

    private void Flush(CancellationToken cancellationToken)
    {
        if (_batchCount == 0) return;
        var bytes = _batchCount * _geometry.PacketLength;
        _pacer.Take(bytes, cancellationToken);
        var span = _batch.AsSpan(0, bytes);
        if (_segmenting) SendAll(span);
        else SendAll(span);
        Interlocked.Add(ref _bytesSent, bytes);
        Interlocked.Add(ref _packetsSent, _batchCount);
        _batchCount = 0;
    }

    private void SendAll(ReadOnlySpan<byte> datagrams)
    {
        try
        {
            _socket.Send(datagrams, SocketFlags.None);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.NoBufferSpaceAvailable or SocketError.WouldBlock or SocketError.ConnectionRefused)
        {
            // A full queue drops this batch; receivers NAK what they miss.
            _log.Debug("Multicast send dropped a batch: {Error}", e.SocketErrorCode);
        }
    }

    public void Dispose() => _socket.Dispose();
}
