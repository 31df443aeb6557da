namespace PeerStorage.Core.Vault;

/// <summary>
/// Streams bytes into one region, forwards from where it was opened (<see cref="VaultStore.OpenWriter"/>). Nothing
/// written through it is acknowledged until <see cref="Commit"/> (or <see cref="Flush"/>, or Dispose) returns; then
/// all of it is durable. Between commits the writer batches: data blocks go straight from the caller's buffer to the
/// carrier, and one journal record per batch (up to 32 MiB) names them with their checksums; a recorded batch is
/// handed to the disk at once (written back in the background, not flushed), and the one flush at commit makes it all
/// durable. A crash before a commit returns leaves every
/// byte written since the previous commit either in place or not (reading as before, or as zeros where nothing was
/// written before); everything acknowledged before it is kept.
/// </summary>
/// <remarks>
/// One thread at a time (like any stream). The region may be read meanwhile; bytes of the batch in progress read back
/// once their batch is recorded (at the latest at Commit). Freeing or wiping the region stops the writer: its later
/// calls throw. Disposing without a commit commits, as closing a file stream flushes it.
/// </remarks>
public sealed class VaultWriter : Stream
{
    private readonly VaultStore _store;
    private readonly List<Run> _batchRuns = [];
    private readonly List<ulong> _batchChecksums = [];
    private Exception? _fault;
    private bool _closed;

    internal VaultWriter(VaultStore store, VaultRegion region, long offset)
    {
        _store = store;
        Region = region;
        Offset = offset;
    }

    internal VaultRegion Region { get; }

    /// <summary>The block under <see cref="Position"/> while it is only partly written (read from the vault first, so its other bytes stay).</summary>
    internal byte[] Block { get; } = new byte[VaultGeometry.DataBlockSize];
    internal bool BlockLoaded { get; set; }
    internal bool BlockDirty { get; set; }

    internal IReadOnlyList<Run> BatchRuns => _batchRuns;
    internal IReadOnlyList<ulong> BatchChecksums => _batchChecksums;
    /// <summary>Bytes written in the batch in progress (not yet named by a journal record).</summary>
    internal long BatchBytes => _batchChecksums.Count * (long)VaultGeometry.DataBlockSize;

    /// <summary>The region the writer writes into.</summary>
    public Guid RegionId => Region.Id;

    /// <summary>Where the next byte goes, from the region's start.</summary>
    public override long Position
    {
        get => Offset;
        set => throw new NotSupportedException("A vault writer only moves forwards; open another one to write elsewhere.");
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_closed && _fault is null;
    public override long Length => throw new NotSupportedException();

    /// <summary>Where the next byte goes (the store moves it).</summary>
    internal long Offset { get; set; }

    /// <summary>Writes the bytes at <see cref="Position"/> and moves on; durable only once committed.</summary>
    public override void Write(ReadOnlySpan<byte> buffer) => _store.WriterWrite(this, buffer);

    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    public override void WriteByte(byte value) => Write([value]);

    /// <summary>Makes everything written so far durable; returns once it is (this is the acknowledgement).</summary>
    public void Commit() => _store.WriterCommit(this);

    /// <summary>Same as <see cref="Commit"/>: a flushed vault writer is a durable one.</summary>
    public override void Flush() => Commit();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (!disposing || _closed) { base.Dispose(disposing); return; }
        try
        {
            if (_fault is null) Commit();
        }
        finally
        {
            _closed = true;
            _store.CloseWriter(this);
            base.Dispose(disposing);
        }
    }

    // ---- the store's side (called under its gate) ----

    internal void AddToBatch(IReadOnlyList<Run> runs, IReadOnlyList<ulong> checksums)
    {
        foreach (var run in runs)
        {
            if (_batchRuns.Count > 0 && _batchRuns[^1].Start + _batchRuns[^1].Count == run.Start && (long)_batchRuns[^1].Count + run.Count <= int.MaxValue)
                _batchRuns[^1] = _batchRuns[^1] with { Count = _batchRuns[^1].Count + run.Count };
            else _batchRuns.Add(run);
        }
        _batchChecksums.AddRange(checksums);
    }

    internal void ClearBatch()
    {
        _batchRuns.Clear();
        _batchChecksums.Clear();
    }

    internal void Fail(Exception reason) => _fault ??= reason;

    internal void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (_fault is PeerStorageException or ObjectDisposedException) throw _fault;
        if (_fault is not null)
            throw new PeerStorageException("VaultWriterFailed", PeerErrorKind.ResourceUnavailable,
                $"An earlier write or flush of this writer failed ({_fault.Message}); what it had not committed is not acknowledged.", _fault, Region.Id);
    }
}
