namespace PeerStorage.Core.Vault;

/// <summary>
/// The hidden vault on one carrier (a container file, a block device or a partition): regions handed to owners,
/// written and read with per-block checksums, and wiped on release. Every method that changes something returns
/// only once the change is durable: its journal record and its data have been flushed to the device. A
/// <see cref="VaultWriter"/> streams into a region and makes its writes durable at each commit.
/// </summary>
/// <remarks>
/// The metadata (allocation map, regions, block checksums) lives in memory and in the active checkpoint slot.
/// A change is committed by a journal record (flushed), then applied; a checkpoint writes the other slot, flushes,
/// and flips the superblocks to it. Opening replays the records committed after the last checkpoint.
/// Named VaultStore rather than Vault so it does not collide with its namespace.
/// </remarks>
public sealed class VaultStore : IDisposable
{
    private const int MaxOwnerIdBytes = 1024;
    private const int B = VaultGeometry.DataBlockSize;
    /// <summary>Reads go in pieces of at most this, aligned to it, so buffers stay small.</summary>
    private const int MaxPieceBytes = 4 * 1024 * 1024;
    /// <summary>The most data one Write record (a batch) covers, whatever the journal's size.</summary>
    private const int MaxBatchBytes = 32 * 1024 * 1024;

    private readonly object _gate = new();
    private readonly VaultDevice _device;
    private readonly Journal _journal;
    private readonly AllocationMap _map;
    private readonly RegionTable _regions;
    private readonly BlockChecksums _checksums;
    private readonly bool[] _slotNeedsWholeTable = new bool[2];
    /// <summary>The open writers, by region: a region has at most one, and plain Writes to it wait until it is closed.</summary>
    private readonly Dictionary<Guid, VaultWriter> _writers = [];
    private VaultWriteback? _writeback;
    private Superblock _superblock;
    private bool _disposed;

    private VaultStore(VaultDevice device, Superblock superblock, AllocationMap map, RegionTable regions, BlockChecksums checksums)
    {
        _device = device;
        _superblock = superblock;
        _map = map;
        _regions = regions;
        _checksums = checksums;
        _journal = new Journal(device, superblock.Geometry, superblock.VaultId, superblock.CheckpointedSequence);
        // A record per batch: small enough that the journal holds dozens of them (checksums are 1/512 of the data).
        BatchBytes = (int)Math.Clamp(VaultGeometry.RoundDown(superblock.Geometry.JournalLength * 4, VaultGeometry.ExtentSize), VaultGeometry.ExtentSize, MaxBatchBytes);
    }

    /// <summary>
    /// The most data one Write record covers (a piece of a Write call, a writer's batch): the journal's length x 4,
    /// at most 32 MiB. Tests may lower it.
    /// </summary>
    internal int BatchBytes { get; set; }
    /// <summary>Bytes a streaming writer hands to the disk between two early flushes (see <see cref="VaultWriteback"/>); tests lower it.</summary>
    internal long EarlyFlushBytes { get; set; } = VaultWriteback.DefaultEarlyFlushBytes;
    /// <summary>Early flushes started so far (for tests).</summary>
    internal int EarlyFlushes => _writeback?.EarlyFlushes ?? 0;

    /// <summary>
    /// Opening after a crash reads back every block the journal's Write records name (to see which content landed),
    /// so a checkpoint comes once the records since the last one name this much data, whatever room the journal has
    /// left: recovery then reads at most about this much. Tests may lower it.
    /// </summary>
    internal long ReplayBytesLimit { get; set; } = 2L << 30;

    /// <summary>Data bytes named by Write records since the last checkpoint.</summary>
    private long _journalDataBytes;

    /// <summary>The active checkpoint's generation (for tests).</summary>
    internal ulong Generation => _superblock.Generation;

    public Guid Id => _superblock.VaultId;
    public string Path => _device.Path;
    /// <summary>Bytes available to regions (the data extents), not counting the vault's own metadata.</summary>
    public long Size => Geometry.DataCapacity;
    public long Used { get { lock (_gate) return _map.Used * VaultGeometry.ExtentSize; } }
    /// <summary>Bytes not held by any region.</summary>
    public long Available { get { lock (_gate) return _map.Free * VaultGeometry.ExtentSize; } }
    /// <summary>The unit of allocation: a region occupies whole extents.</summary>
    public static int ExtentSize => VaultGeometry.ExtentSize;

    public IReadOnlyList<VaultRegion> Regions { get { lock (_gate) return [.. _regions.All]; } }

    internal VaultGeometry Geometry => _superblock.Geometry;

    /// <summary>
    /// Lays a new, empty vault over <paramref name="path"/>. A file that does not exist is created with
    /// <paramref name="size"/> bytes; a file or device is used whole when no size is given. A target that already
    /// holds a vault or a recognizable filesystem is refused unless <paramref name="force"/>.
    /// </summary>
    public static VaultStore Format(string path, long? size = null, bool force = false)
    {
        var existed = File.Exists(path);
        var device = VaultDevice.Open(path, create: true);
        try
        {
            var available = device.Length;
            var isFile = device.IsRegularFile;
            if (!force && available > 0) RefuseIfOccupied(device, path, available);
            var total = size ?? available;
            if (total < VaultGeometry.MinimumSize) throw VaultErrors.TooSmall(path, total, VaultGeometry.MinimumSize);
            if (!isFile && total > available)
                throw VaultErrors.InvalidArgument($"'{path}' holds {available} bytes; a vault of {total} does not fit.", path);
            var geometry = VaultGeometry.Compute(total);
            if (isFile) device.SetLength(geometry.TotalSize);

            var superblock = new Superblock(Guid.NewGuid(), geometry, Generation: 1, ActiveSlot: 0, CheckpointedSequence: 0);
            var map = new AllocationMap(geometry.ExtentCount);
            var regions = new RegionTable();
            var checksums = new BlockChecksums(geometry.DataBlockCount);
            device.Zero(geometry.JournalOffset, VaultGeometry.MetadataBlockSize);
            MetadataSlot.Write(device, geometry, 0, 1, map, regions, checksums, wholeChecksumTable: true, otherSlotLacks: []);
            MetadataSlot.Write(device, geometry, 1, 0, map, regions, checksums, wholeChecksumTable: true, otherSlotLacks: []);
            device.Flush();
            // The backup first: until the primary lands, the target does not look like a vault at all.
            var encoded = superblock.Encode();
            device.Write(geometry.BackupSuperblockOffset, encoded);
            device.Flush();
            device.Write(0, encoded);
            device.Flush();
            return new VaultStore(device, superblock, map, regions, checksums);
        }
        catch
        {
            device.Dispose();
            if (!existed) TryDelete(path);
            throw;
        }
    }

    /// <summary>Opens a vault, replaying its journal. A damaged or foreign carrier is refused before anything is written.</summary>
    public static VaultStore Open(string path)
    {
        var device = VaultDevice.Open(path, create: false);
        try
        {
            var superblock = ReadSuperblock(device, path);
            var geometry = superblock.Geometry;
            if (device.Length < geometry.TotalSize) throw VaultErrors.Corrupt(path, "the carrier is smaller than the vault it holds");
            var slot = MetadataSlot.Read(device, geometry, superblock.ActiveSlot, superblock.Generation, out var problem)
                       ?? throw VaultErrors.Corrupt(path, problem!);
            var vault = new VaultStore(device, superblock, slot.Map, slot.Regions, slot.Checksums);
            // The other slot needs only the pages the active one says it lacks, if it is whole at the generation
            // before (a checkpoint breaks a slot's header before rewriting it); otherwise it is rewritten whole.
            var other = 1 - superblock.ActiveSlot;
            if (slot.OtherSlotLacks is not null && MetadataSlot.ReadGeneration(device, geometry, other) == superblock.Generation - 1)
                slot.Checksums.MarkDirty(other, slot.OtherSlotLacks);
            else vault._slotNeedsWholeTable[other] = true;
            vault.Recover();
            return vault;
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    /// <summary>Gives <paramref name="bytes"/> bytes (rounded up to whole extents) to <paramref name="ownerId"/>. They read as zeros.</summary>
    public VaultRegion Allocate(string ownerId, long bytes)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        if (bytes <= 0) throw VaultErrors.InvalidArgument($"A region needs a positive size, not {bytes}.", bytes);
        if (System.Text.Encoding.UTF8.GetByteCount(ownerId) > MaxOwnerIdBytes)
            throw VaultErrors.InvalidArgument($"An owner id is at most {MaxOwnerIdBytes} bytes.", ownerId);
        lock (_gate)
        {
            ThrowIfDisposed();
            var extents = (bytes + VaultGeometry.ExtentSize - 1) / VaultGeometry.ExtentSize;
            var runs = _map.Find(extents) ?? throw VaultErrors.Full(Path, bytes, _map.Free * VaultGeometry.ExtentSize);
            var record = new JournalRecord(JournalRecordType.Allocate, Guid.NewGuid(), ownerId, bytes, runs);
            Commit(record);
            return Apply(record)!;
        }
    }

    /// <summary>The region with this id, as stored now.</summary>
    public VaultRegion GetRegion(Guid id)
    {
        lock (_gate) return _regions.TryGet(id, out var region) ? region : throw VaultErrors.RegionNotFound(id);
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> in the region; returns once data and checksums are durable.</summary>
    /// <remarks>For a stream of writes that needs durability only at the end, <see cref="OpenWriter"/> is much faster.</remarks>
    public void Write(VaultRegion region, long offset, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(region);
        lock (_gate)
        {
            ThrowIfDisposed();
            region = Current(region);
            CheckRange(region, offset, data.Length);
            if (_writers.ContainsKey(region.Id)) throw RegionBusy(region.Id);
            // Pieces end on BatchBytes boundaries, so each journal record stays bounded whatever the caller writes.
            while (!data.IsEmpty)
            {
                var piece = (int)Math.Min(data.Length, BatchBytes - offset % BatchBytes);
                WriteRange(region, offset, data[..piece], batch: null);
                offset += piece;
                data = data[piece..];
            }
            _device.Flush();
        }
    }

    /// <summary>
    /// Opens a writer that streams bytes into the region from <paramref name="offset"/> on, forwards. Its writes are
    /// acknowledged (durable) when <see cref="VaultWriter.Commit"/> returns, not before: between commits it batches
    /// them (one journal record and one flush per batch), which is what makes streaming a large object fast. A region
    /// has at most one open writer; plain <see cref="Write"/>s to it are refused until the writer is disposed.
    /// </summary>
    public VaultWriter OpenWriter(VaultRegion region, long offset = 0)
    {
        ArgumentNullException.ThrowIfNull(region);
        lock (_gate)
        {
            ThrowIfDisposed();
            region = Current(region);
            CheckRange(region, offset, 0);
            if (_writers.ContainsKey(region.Id)) throw RegionBusy(region.Id);
            var writer = new VaultWriter(this, region, offset);
            _writers.Add(region.Id, writer);
            return writer;
        }
    }

    /// <summary>
    /// Forgets the whole blocks within [<paramref name="offset"/>, + <paramref name="length"/>) of the region: they read
    /// as zeros from now on, so the next writes into them take the fast rule of unwritten blocks (no flush before the
    /// data) instead of the record-first one. For space whose content nobody needs any more (a deleted object about
    /// to be written over). Their old bytes stay on the carrier, unreadable through the vault, until written over,
    /// wiped or freed. Partial blocks at either edge keep their content. Durable when it returns.
    /// </summary>
    public void Discard(VaultRegion region, long offset, long length)
    {
        ArgumentNullException.ThrowIfNull(region);
        lock (_gate)
        {
            ThrowIfDisposed();
            region = Current(region);
            CheckRange(region, offset, length);
            if (_writers.ContainsKey(region.Id)) throw RegionBusy(region.Id);
            var firstBlock = (offset + B - 1) / B;
            var endBlock = (offset + length) / B;
            if (endBlock <= firstBlock) return;
            var runs = PhysicalRuns(region, firstBlock, endBlock - firstBlock);
            if (runs.All(Unwritten)) return;
            var record = new JournalRecord(JournalRecordType.Discard, region.Id, Runs: runs);
            Commit(record);
            Apply(record);
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/> in the region; a block that fails its checksum throws VaultDataCorrupt.</summary>
    public void Read(VaultRegion region, long offset, Span<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(region);
        lock (_gate)
        {
            ThrowIfDisposed();
            region = Current(region);
            CheckRange(region, offset, buffer.Length);
            while (!buffer.IsEmpty)
            {
                var piece = (int)Math.Min(buffer.Length, MaxPieceBytes - offset % MaxPieceBytes);
                ReadPiece(region, offset, buffer[..piece]);
                offset += piece;
                buffer = buffer[piece..];
            }
        }
    }

    /// <summary>Zeroes the region's extents on the carrier and releases them; recorded in the journal.</summary>
    public void Free(VaultRegion region) => Release(region, JournalRecordType.Free);

    /// <summary>Zeroes the region's extents on the carrier; the region stays, reading as zeros.</summary>
    public void Wipe(VaultRegion region) => Release(region, JournalRecordType.Wipe);

    /// <summary>Checks that the allocation map and the regions agree and that every written block matches its checksum.</summary>
    public VaultCheckResult Check()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            var problems = new List<string>();
            var owner = new Dictionary<long, Guid>();
            foreach (var region in _regions.All)
            {
                if (region.AllocatedBytes < region.Length) problems.Add($"Region {region.Id} is shorter than its length.");
                foreach (var run in region.Extents)
                    for (var e = run.Start; e < run.Start + run.Count; e++)
                    {
                        if (e < 0 || e >= _map.ExtentCount) { problems.Add($"Region {region.Id} names extent {e}, outside the vault."); continue; }
                        if (!owner.TryAdd(e, region.Id)) problems.Add($"Extent {e} belongs to both {owner[e]} and {region.Id}.");
                        if (!_map.IsSet(e)) problems.Add($"Extent {e} of region {region.Id} is marked free in the allocation map.");
                    }
            }
            long verified = 0;
            var block = new byte[VaultGeometry.DataBlockSize];
            for (long e = 0; e < _map.ExtentCount; e++)
            {
                if (_map.IsSet(e) && !owner.ContainsKey(e)) problems.Add($"Extent {e} is marked used but no region holds it.");
                for (var b = e * VaultGeometry.BlocksPerExtent; b < (e + 1) * VaultGeometry.BlocksPerExtent; b++)
                {
                    if (_checksums[b] == BlockChecksums.Unwritten) continue;
                    if (!owner.ContainsKey(e)) { problems.Add($"Block {b} in free extent {e} has a checksum (free space should be wiped)."); continue; }
                    _device.Read(Geometry.BlockOffset(b), block);
                    if (BlockChecksums.Of(block) != _checksums[b]) problems.Add($"Block {b} of region {owner[e]} fails its checksum.");
                    verified++;
                }
            }
            return new VaultCheckResult(problems, _regions.All.Count, verified);
        }
    }

    /// <summary>Writes a checkpoint now, so opening needs no replay.</summary>
    public void Checkpoint()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            WriteCheckpoint();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            DetachWriters(new ObjectDisposedException(nameof(VaultStore)));
            try { if (_journal.LastSequence != _superblock.CheckpointedSequence) WriteCheckpoint(); }
            finally
            {
                _writeback?.Dispose();
                _device.Dispose();
            }
        }
    }

    /// <summary>Test hook: closes the carrier the way a crash would, with no checkpoint.</summary>
    internal void Abandon()
    {
        lock (_gate)
        {
            _disposed = true;
            DetachWriters(new ObjectDisposedException(nameof(VaultStore)));
            _writeback?.Dispose();
            _device.Dispose();
        }
    }

    /// <summary>Reads the blocks under a piece run by run (one read per contiguous run), verifying each block.</summary>
    private void ReadPiece(VaultRegion region, long offset, Span<byte> buffer)
    {
        var firstBlock = offset / B;
        var blockCount = (offset + buffer.Length - 1) / B - firstBlock + 1;
        var blocks = new byte[blockCount * B];
        var position = 0;
        foreach (var run in PhysicalRuns(region, firstBlock, blockCount))
        {
            var span = blocks.AsSpan(position, run.Count * B);
            _device.Read(Geometry.BlockOffset(run.Start), span);
            for (var i = 0; i < run.Count; i++)
            {
                var block = span.Slice(i * B, B);
                var expected = _checksums[run.Start + i];
                if (expected == BlockChecksums.Unwritten) block.Clear();
                else if (BlockChecksums.Of(block) != expected) throw VaultErrors.DataCorrupt(Path, run.Start + i);
            }
            position += span.Length;
        }
        blocks.AsSpan((int)(offset % B), buffer.Length).CopyTo(buffer);
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/> in the region: one record covers the range. Blocks
    /// never written since format or wipe (checksum 0) take the fast path: data written, then the record appended;
    /// nothing before it is flushed, and the range is committed by the next flush. Otherwise the old rule: record
    /// appended and flushed, then the data written (and committed by the next flush). With <paramref name="batch"/>
    /// the fast path's blocks join the writer's batch instead of getting a record of their own. Partial blocks at
    /// either edge keep their other bytes (read and verified first). The caller holds the gate.
    /// </summary>
    private void WriteRange(VaultRegion region, long offset, ReadOnlySpan<byte> data, VaultWriter? batch)
    {
        var firstBlock = offset / B;
        var blockCount = (offset + data.Length - 1) / B - firstBlock + 1;
        var head = (int)(offset % B);
        var headPartial = head != 0 || data.Length < B;
        var tailBytes = (int)((offset + data.Length) % B);
        var tailPartial = blockCount > 1 && tailBytes != 0;

        byte[]? headBlock = null, tailBlock = null;
        var headConsumed = 0;
        if (headPartial)
        {
            headBlock = new byte[B];
            ReadBlock(region.PhysicalBlock(firstBlock), headBlock);
            headConsumed = Math.Min(data.Length, B - head);
            data[..headConsumed].CopyTo(headBlock.AsSpan(head));
        }
        if (tailPartial)
        {
            tailBlock = new byte[B];
            ReadBlock(region.PhysicalBlock(firstBlock + blockCount - 1), tailBlock);
            data[^tailBytes..].CopyTo(tailBlock);
        }
        var middle = data[headConsumed..(data.Length - (tailPartial ? tailBytes : 0))];

        var checksums = new ulong[blockCount];
        var index = 0;
        if (headBlock is not null) checksums[index++] = BlockChecksums.Of(headBlock);
        for (var i = 0; i < middle.Length; i += B) checksums[index++] = BlockChecksums.Of(middle.Slice(i, B));
        if (tailBlock is not null) checksums[index] = BlockChecksums.Of(tailBlock);

        var runs = PhysicalRuns(region, firstBlock, blockCount);
        if (runs.All(Unwritten))
        {
            WriteBlocks(region, firstBlock, blockCount, headBlock, middle, tailBlock);
            if (batch is not null) batch.AddToBatch(runs, checksums);
            else Append(new JournalRecord(JournalRecordType.Write, region.Id, Runs: runs, Checksums: checksums));
            return;
        }
        // Blocks hold acknowledged data: the record (with the new checksums) must be durable before any of it changes,
        // and everything batched so far goes first, so records stay in the order their data was written.
        if (batch is not null) SealBatch(batch);
        Commit(new JournalRecord(JournalRecordType.Write, region.Id, Runs: runs, Checksums: checksums));
        WriteBlocks(region, firstBlock, blockCount, headBlock, middle, tailBlock);
        SetChecksums(runs, checksums);
    }

    /// <summary>Writes a block range: the edge blocks from their buffers, the whole blocks between one write per contiguous run.</summary>
    private void WriteBlocks(VaultRegion region, long firstBlock, long blockCount, byte[]? headBlock, ReadOnlySpan<byte> middle, byte[]? tailBlock)
    {
        if (headBlock is not null) _device.Write(Geometry.BlockOffset(region.PhysicalBlock(firstBlock)), headBlock);
        var position = 0;
        foreach (var run in PhysicalRuns(region, firstBlock + (headBlock is null ? 0 : 1), middle.Length / B))
        {
            _device.Write(Geometry.BlockOffset(run.Start), middle.Slice(position, run.Count * B));
            position += run.Count * B;
        }
        if (tailBlock is not null) _device.Write(Geometry.BlockOffset(region.PhysicalBlock(firstBlock + blockCount - 1)), tailBlock);
    }

    /// <summary>Appends a Write record (not flushed) and takes its checksums into the table.</summary>
    private void Append(JournalRecord record)
    {
        MakeRoomFor(record);
        _journal.Append(record);
        SetChecksums(record.Runs!, record.Checksums!);
    }

    private bool Unwritten(Run run)
    {
        for (var b = run.Start; b < run.Start + run.Count; b++)
            if (_checksums[b] != BlockChecksums.Unwritten) return false;
        return true;
    }

    private void SetChecksums(IReadOnlyList<Run> runs, IReadOnlyList<ulong> checksums)
    {
        var index = 0;
        foreach (var run in runs)
            for (var b = run.Start; b < run.Start + run.Count; b++) _checksums.Set(b, checksums[index++]);
    }

    private static PeerStorageException RegionBusy(Guid id) =>
        new("VaultRegionBusy", PeerErrorKind.ResourceUnavailable, $"Region {id} has an open writer: write through it, or dispose it first.", target: id);

    // ---- VaultWriter's side (each under the gate) ----

    /// <summary>Streams bytes through the writer: whole blocks go out at once, a partial last block waits in the writer.</summary>
    internal void WriterWrite(VaultWriter writer, ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            var region = WriterRegion(writer);
            CheckRange(region, writer.Offset, data.Length);
            try
            {
                while (!data.IsEmpty)
                {
                    var inBlock = (int)(writer.Offset % B);
                    if (inBlock != 0 || data.Length < B)
                    {
                        // The block under the position is assembled in the writer until it is full (or committed).
                        if (!writer.BlockLoaded)
                        {
                            ReadBlock(region.PhysicalBlock(writer.Offset / B), writer.Block);
                            writer.BlockLoaded = true;
                        }
                        var n = Math.Min(B - inBlock, data.Length);
                        data[..n].CopyTo(writer.Block.AsSpan(inBlock));
                        writer.BlockDirty = true;
                        writer.Offset += n;
                        data = data[n..];
                        if (writer.Offset % B == 0)
                        {
                            WriteRange(region, writer.Offset - B, writer.Block, writer);
                            writer.BlockLoaded = writer.BlockDirty = false;
                            SealIfFull(writer);
                        }
                        continue;
                    }
                    // Whole blocks straight from the caller's buffer, cut so a batch never exceeds BatchBytes.
                    var room = Math.Max(B, BatchBytes - writer.BatchBytes);
                    var whole = (int)Math.Min(data.Length / B * B, room);
                    WriteRange(region, writer.Offset, data[..whole], writer);
                    writer.Offset += whole;
                    data = data[whole..];
                    SealIfFull(writer);
                }
            }
            catch (Exception e)
            {
                writer.Fail(e);
                throw;
            }
        }
    }

    /// <summary>Makes everything written through the writer durable: partial block out, batch record appended, flush.</summary>
    internal void WriterCommit(VaultWriter writer)
    {
        lock (_gate)
        {
            var region = WriterRegion(writer);
            try
            {
                if (writer.BlockDirty)
                {
                    WriteRange(region, writer.Offset / B * B, writer.Block, writer);
                    writer.BlockDirty = false; // the block stays loaded: its image is current
                }
                SealBatch(writer);
                _device.Flush();
            }
            catch (Exception e)
            {
                writer.Fail(e);
                throw;
            }
        }
    }

    internal void CloseWriter(VaultWriter writer)
    {
        lock (_gate)
        {
            if (_writers.TryGetValue(writer.Region.Id, out var open) && ReferenceEquals(open, writer)) _writers.Remove(writer.Region.Id);
        }
    }

    private VaultRegion WriterRegion(VaultWriter writer)
    {
        ThrowIfDisposed();
        writer.ThrowIfUnusable();
        return Current(writer.Region);
    }

    private void SealIfFull(VaultWriter writer)
    {
        if (writer.BatchBytes < BatchBytes) return;
        var runs = writer.BatchRuns.ToList();
        SealBatch(writer);
        // Hand the batch to the disk now (a hint, not a flush), so it travels while the caller produces the next one.
        _writeback ??= VaultWriteback.For(Path);
        foreach (var run in runs) _writeback.Start(Geometry.BlockOffset(run.Start), (long)run.Count * B, EarlyFlushBytes);
    }

    /// <summary>Appends the record of the writer's batch (whose data is already written): committed by the next flush.</summary>
    private void SealBatch(VaultWriter writer)
    {
        if (writer.BatchRuns.Count == 0) return;
        Append(new JournalRecord(JournalRecordType.Write, writer.Region.Id, Runs: [.. writer.BatchRuns], Checksums: [.. writer.BatchChecksums]));
        writer.ClearBatch();
    }

    /// <summary>Free, Wipe, Dispose: the region's writer (if any) stops; what it had not committed is not acknowledged.</summary>
    private void DetachWriter(Guid regionId, Exception reason)
    {
        if (!_writers.Remove(regionId, out var writer)) return;
        writer.Fail(reason);
    }

    private void DetachWriters(Exception reason)
    {
        foreach (var id in _writers.Keys.ToList()) DetachWriter(id, reason);
    }

    /// <summary>
    /// Replays a journalled write. Only the last record that names a block can have been cut short; earlier ones
    /// landed whole: a block a record names is no longer unwritten, so any later change to it is record-first, and
    /// that record's flush (before the new data is written) covers the earlier data. The last one
    /// may have landed, not landed, or (on power loss) landed in part. Acknowledged bytes are kept in every case: a
    /// block holds the new content, the old, or a mix that agrees with both on every byte this write did not touch.
    /// A block that was never written and did not get the new content is zeroed again, so nothing the carrier held
    /// before surfaces.
    /// </summary>
    private void ReplayWrite(JournalRecord record, Func<long, bool> isLastWriteOf)
    {
        const int ChunkBlocks = 256; // blocks are read back 1 MiB at a time
        var chunk = new byte[ChunkBlocks * B];
        var index = 0;
        foreach (var run in record.Runs!)
            for (var first = run.Start; first < run.Start + run.Count; first += ChunkBlocks)
            {
                var count = (int)Math.Min(ChunkBlocks, run.Start + run.Count - first);
                var read = false;
                for (var i = 0; i < count; i++)
                {
                    var b = first + i;
                    var written = record.Checksums![index++];
                    if (!isLastWriteOf(b)) { _checksums.Set(b, written); continue; }
                    if (!read)
                    {
                        _device.Read(Geometry.BlockOffset(first), chunk.AsSpan(0, count * B));
                        read = true;
                    }
                    var before = _checksums[b];
                    var actual = BlockChecksums.Of(chunk.AsSpan(i * B, B));
                    if (actual == written) _checksums.Set(b, written);                    // landed
                    else if (actual == before) { }                                         // did not land
                    else if (before == BlockChecksums.Unwritten) _device.Zero(Geometry.BlockOffset(b), B);
                    else _checksums.Set(b, actual);                                        // torn over written data
                }
            }
    }

    private void Release(VaultRegion region, JournalRecordType type)
    {
        ArgumentNullException.ThrowIfNull(region);
        lock (_gate)
        {
            ThrowIfDisposed();
            region = Current(region);
            DetachWriter(region.Id, type == JournalRecordType.Free
                ? VaultErrors.RegionNotFound(region.Id)
                : new PeerStorageException("VaultRegionWiped", PeerErrorKind.ResourceUnavailable, $"Region {region.Id} was wiped while a writer was open.", target: region.Id));
            var record = new JournalRecord(type, region.Id);
            Commit(record);
            Apply(record);
            _device.Flush();
            // Checkpoint at once: a Free or Wipe left in the journal would, on replay, zero extents that later
            // acknowledged writes may have reused.
            WriteCheckpoint();
        }
    }

    /// <summary>Makes the record durable, checkpointing first when the journal has no room for it.</summary>
    private void Commit(JournalRecord record)
    {
        MakeRoomFor(record);
        _journal.Commit(record);
    }

    private void MakeRoomFor(JournalRecord record)
    {
        var needed = Journal.SpaceFor(record);
        if (needed > Geometry.JournalLength)
            throw VaultErrors.InvalidArgument("This change is too large for the vault's journal; split it.");
        if (needed > _journal.Remaining || _journalDataBytes >= ReplayBytesLimit) WriteCheckpoint();
        if (record.Type == JournalRecordType.Write) _journalDataBytes += (long)record.Checksums!.Count * B;
    }

    /// <summary>Applies a committed record to the in-memory metadata (and, for Free/Wipe, zeroes the carrier). Used live and on replay.</summary>
    private VaultRegion? Apply(JournalRecord record)
    {
        switch (record.Type)
        {
            case JournalRecordType.Allocate:
                var created = new VaultRegion(record.RegionId, record.OwnerId, record.Length, record.Runs!);
                foreach (var run in record.Runs!) _map.Set(run, true);
                _regions.Add(created);
                return created;
            case JournalRecordType.Free or JournalRecordType.Wipe:
                if (!_regions.TryGet(record.RegionId, out var region)) return null;
                foreach (var run in region.Extents)
                {
                    _device.Zero(Geometry.ExtentOffset(run.Start), (long)run.Count * VaultGeometry.ExtentSize);
                    for (var b = run.Start * VaultGeometry.BlocksPerExtent; b < (run.Start + run.Count) * VaultGeometry.BlocksPerExtent; b++)
                        _checksums.Set(b, BlockChecksums.Unwritten);
                    if (record.Type == JournalRecordType.Free) _map.Set(run, false);
                }
                if (record.Type == JournalRecordType.Free) _regions.Remove(region.Id);
                return region;
            case JournalRecordType.Discard:
                foreach (var run in record.Runs!)
                    for (var b = run.Start; b < run.Start + run.Count; b++) _checksums.Set(b, BlockChecksums.Unwritten);
                return null;
            case JournalRecordType.Write:
                throw new InvalidOperationException("Write records are applied by WriteRange live and by ReplayWrite on recovery.");
            default:
                throw VaultErrors.Corrupt(Path, $"the journal holds an unknown record type {(int)record.Type}");
        }
    }

    private void Recover()
    {
        var records = _journal.ReadCommitted(_superblock.CheckpointedSequence);
        var lastWriter = new Dictionary<long, int>();
        for (var i = 0; i < records.Count; i++)
            if (records[i].Type == JournalRecordType.Write)
                foreach (var run in records[i].Runs!)
                    for (var b = run.Start; b < run.Start + run.Count; b++) lastWriter[b] = i;
        for (var i = 0; i < records.Count; i++)
        {
            var index = i;
            if (records[i].Type == JournalRecordType.Write) ReplayWrite(records[i], b => lastWriter[b] == index);
            else Apply(records[i]);
        }
        if (records.Count > 0) WriteCheckpoint();
    }

    private void WriteCheckpoint()
    {
        var target = 1 - _superblock.ActiveSlot;
        var generation = _superblock.Generation + 1;
        // What the active slot lacks once the target is written: the pages changed since it was written.
        var activeLacks = _slotNeedsWholeTable[1 - target] ? null : _checksums.DirtyPageRuns(1 - target);
        MetadataSlot.Invalidate(_device, Geometry, target);
        _device.Flush();
        MetadataSlot.Write(_device, Geometry, target, generation, _map, _regions, _checksums, _slotNeedsWholeTable[target], activeLacks);
        _slotNeedsWholeTable[target] = false;
        _device.Flush();
        var next = _superblock with { Generation = generation, ActiveSlot = target, CheckpointedSequence = _journal.LastSequence };
        var encoded = next.Encode();
        // One at a time: a crash can tear at most one copy, and the other still names a whole slot.
        _device.Write(0, encoded);
        _device.Flush();
        _device.Write(Geometry.BackupSuperblockOffset, encoded);
        _device.Flush();
        _superblock = next;
        _journal.Reset();
        _journalDataBytes = 0;
    }

    private static Superblock ReadSuperblock(VaultDevice device, string path)
    {
        var length = device.Length;
        var primaryBlock = new byte[VaultGeometry.MetadataBlockSize];
        device.Read(0, primaryBlock);
        var primaryOutcome = Superblock.TryDecode(primaryBlock, out var primary, out var primaryVersion);
        var backupOffset = primary?.Geometry.BackupSuperblockOffset ?? length - VaultGeometry.MetadataBlockSize;
        var backupOutcome = Superblock.ReadOutcome.NoMagic;
        Superblock? backup = null;
        uint backupVersion = 0;
        if (backupOffset > 0)
        {
            var backupBlock = new byte[VaultGeometry.MetadataBlockSize];
            device.Read(backupOffset, backupBlock);
            backupOutcome = Superblock.TryDecode(backupBlock, out backup, out backupVersion);
            if (backup is not null && primary is not null && backup.VaultId != primary.VaultId) backup = null;
        }
        var best = new[] { primary, backup }.Where(s => s is not null).MaxBy(s => s!.Generation);
        if (best is not null) return best;
        if (primaryOutcome == Superblock.ReadOutcome.UnsupportedVersion) throw VaultErrors.VersionUnsupported(path, primaryVersion);
        if (backupOutcome == Superblock.ReadOutcome.UnsupportedVersion) throw VaultErrors.VersionUnsupported(path, backupVersion);
        if (primaryOutcome == Superblock.ReadOutcome.BadChecksum || backupOutcome == Superblock.ReadOutcome.BadChecksum)
            throw VaultErrors.Corrupt(path, "both copies of the superblock fail their checksum");
        throw VaultErrors.NotFormatted(path);
    }

    private static void RefuseIfOccupied(VaultDevice device, string path, long available)
    {
        var head = new byte[Math.Min(FilesystemSignatures.HeadLength, available)];
        device.Read(0, head);
        var last = new byte[VaultGeometry.MetadataBlockSize];
        if (available >= last.Length) device.Read(available - last.Length, last);
        var found = FilesystemSignatures.Identify(head, last);
        if (found is not null) throw VaultErrors.TargetInUse(path, found);
    }

    /// <summary>Reads one data block and verifies it; a block never written reads as zeros.</summary>
    private void ReadBlock(long physicalBlock, Span<byte> block)
    {
        var expected = _checksums[physicalBlock];
        if (expected == BlockChecksums.Unwritten) { block.Clear(); return; }
        _device.Read(Geometry.BlockOffset(physicalBlock), block);
        if (BlockChecksums.Of(block) != expected) throw VaultErrors.DataCorrupt(Path, physicalBlock);
    }

    private static List<Run> PhysicalRuns(VaultRegion region, long firstBlock, long blockCount)
    {
        var runs = new List<Run>();
        for (long i = 0; i < blockCount; i++)
        {
            var physical = region.PhysicalBlock(firstBlock + i);
            if (runs.Count > 0 && runs[^1].Start + runs[^1].Count == physical && runs[^1].Count < int.MaxValue)
                runs[^1] = runs[^1] with { Count = runs[^1].Count + 1 };
            else runs.Add(new Run(physical, 1));
        }
        return runs;
    }

    private VaultRegion Current(VaultRegion region) =>
        _regions.TryGet(region.Id, out var current) ? current : throw VaultErrors.RegionNotFound(region.Id);

    private static void CheckRange(VaultRegion region, long offset, long count)
    {
        if (offset < 0 || count < 0 || offset + count > region.Length) throw VaultErrors.OutOfRange(region.Id, offset, count, region.Length);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
