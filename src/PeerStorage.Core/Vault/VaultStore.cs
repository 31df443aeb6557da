namespace PeerStorage.Core.Vault;

/// <summary>
/// The hidden vault on one carrier (a container file, a block device or a partition): regions handed to owners,
/// written and read with per-block checksums, and wiped on release. Every method that changes something returns
/// only once the change is durable: its journal record and its data have been flushed to the device.
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
    /// <summary>Reads and writes go in pieces of at most this, aligned to it, so journal records and buffers stay small.</summary>
    private const int MaxPieceBytes = 4 * 1024 * 1024;

    private readonly object _gate = new();
    private readonly VaultDevice _device;
    private readonly Journal _journal;
    private readonly AllocationMap _map;
    private readonly RegionTable _regions;
    private readonly BlockChecksums _checksums;
    private readonly bool[] _slotNeedsWholeTable = new bool[2];
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
    }

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
            MetadataSlot.Write(device, geometry, 0, 1, map, regions, checksums, wholeChecksumTable: true);
            MetadataSlot.Write(device, geometry, 1, 0, map, regions, checksums, wholeChecksumTable: true);
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
            vault._slotNeedsWholeTable[1 - superblock.ActiveSlot] = true; // how stale the other slot is, is unknown
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
    public void Write(VaultRegion region, long offset, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(region);
        lock (_gate)
        {
            ThrowIfDisposed();
            region = Current(region);
            CheckRange(region, offset, data.Length);
            // Pieces end on MaxPieceBytes boundaries, so each journal record stays small whatever the caller writes.
            while (!data.IsEmpty)
            {
                var piece = (int)Math.Min(data.Length, MaxPieceBytes - offset % MaxPieceBytes);
                WritePiece(region, offset, data[..piece]);
                offset += piece;
                data = data[piece..];
            }
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
            try { if (_journal.LastSequence != _superblock.CheckpointedSequence) WriteCheckpoint(); }
            finally { _device.Dispose(); }
        }
    }

    /// <summary>Test hook: closes the carrier the way a crash would, with no checkpoint.</summary>
    internal void Abandon()
    {
        lock (_gate)
        {
            _disposed = true;
            _device.Dispose();
        }
    }

    /// <summary>Reads the blocks under a piece run by run (one read per contiguous run), verifying each block.</summary>
    private void ReadPiece(VaultRegion region, long offset, Span<byte> buffer)
    {
        const int B = VaultGeometry.DataBlockSize;
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

    private void WritePiece(VaultRegion region, long offset, ReadOnlySpan<byte> data)
    {
        const int B = VaultGeometry.DataBlockSize;
        var firstBlock = offset / B;
        var blockCount = (offset + data.Length - 1) / B - firstBlock + 1;
        var buffer = new byte[blockCount * B];
        var head = (int)(offset % B);
        // Partial blocks at either edge keep their other bytes: read them (verified) before patching.
        if (head != 0) ReadBlock(region.PhysicalBlock(firstBlock), buffer.AsSpan(0, B));
        if ((head + data.Length) % B != 0 && (blockCount > 1 || head == 0))
            ReadBlock(region.PhysicalBlock(firstBlock + blockCount - 1), buffer.AsSpan((int)(blockCount - 1) * B, B));
        data.CopyTo(buffer.AsSpan(head));

        var checksums = new ulong[blockCount];
        for (var i = 0; i < blockCount; i++) checksums[i] = BlockChecksums.Of(buffer.AsSpan(i * B, B));
        var runs = PhysicalRuns(region, firstBlock, blockCount);
        Commit(new JournalRecord(JournalRecordType.Write, region.Id, Runs: runs, Checksums: checksums));
        var position = 0;
        foreach (var run in runs)
        {
            _device.Write(Geometry.BlockOffset(run.Start), buffer.AsSpan(position, run.Count * B));
            position += run.Count * B;
        }
        _device.Flush();
        var index = 0;
        foreach (var run in runs)
            for (var b = run.Start; b < run.Start + run.Count; b++) _checksums.Set(b, checksums[index++]);
    }

    /// <summary>
    /// Replays a journalled write. Writes are serialized and each is flushed before the next record commits, so
    /// only the last record that names a block can have been cut short; earlier ones landed whole. The last one
    /// may have landed, not landed, or (on power loss) landed in part. Acknowledged bytes are kept in every case: a
    /// block holds the new content, the old, or a mix that agrees with both on every byte this write did not touch.
    /// A block that was never written and did not get the new content is zeroed again, so nothing the carrier held
    /// before surfaces.
    /// </summary>
    private void ReplayWrite(JournalRecord record, Func<long, bool> isLastWriteOf)
    {
        var block = new byte[VaultGeometry.DataBlockSize];
        var index = 0;
        foreach (var run in record.Runs!)
            for (var b = run.Start; b < run.Start + run.Count; b++)
            {
                var written = record.Checksums![index++];
                if (!isLastWriteOf(b)) { _checksums.Set(b, written); continue; }
                var before = _checksums[b];
                _device.Read(Geometry.BlockOffset(b), block);
                var actual = BlockChecksums.Of(block);
                if (actual == written) _checksums.Set(b, written);                    // landed
                else if (actual == before) { }                                         // did not land
                else if (before == BlockChecksums.Unwritten) _device.Zero(Geometry.BlockOffset(b), block.Length);
                else _checksums.Set(b, actual);                                        // torn over written data
            }
    }

    private void Release(VaultRegion region, JournalRecordType type)
    {
        ArgumentNullException.ThrowIfNull(region);
        lock (_gate)
        {
            ThrowIfDisposed();
            region = Current(region);
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
        var needed = Journal.SpaceFor(record);
        if (needed > Geometry.JournalLength)
            throw VaultErrors.InvalidArgument("This change is too large for the vault's journal; split it.");
        if (needed > _journal.Remaining) WriteCheckpoint();
        _journal.Commit(record);
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
            case JournalRecordType.Write:
                throw new InvalidOperationException("Write records are applied by WritePiece live and by ReplayWrite on recovery.");
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
        MetadataSlot.Write(_device, Geometry, target, generation, _map, _regions, _checksums, _slotNeedsWholeTable[target]);
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
