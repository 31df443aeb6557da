using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

/// <summary>
/// What a vault must hold after a crash: every acknowledged operation, plus whichever outcome the one operation in
/// flight had (a write may have landed block by block or not at all; a free or wipe happened entirely or not at all).
/// </summary>
internal sealed class VaultModel
{
    private sealed class RegionState(long length)
    {
        public byte[] Bytes { get; } = new byte[length];
        public bool[] Uncertain { get; } = new bool[length];
    }

    private readonly Dictionary<Guid, RegionState> _regions = [];
    /// <summary>Ranges written through a writer since its last commit: uncertain until it commits.</summary>
    private readonly List<(Guid Region, long Offset, int Length)> _uncommitted = [];
    private Guid? _freeInFlight, _wipeInFlight;
    private bool _allocateInFlight;
    private string _lastStarted = "nothing";

    public VaultRegion Allocate(VaultStore vault, string owner, long length)
    {
        _lastStarted = $"Allocate {owner}";
        _allocateInFlight = true;
        var region = vault.Allocate(owner, length);
        _allocateInFlight = false;
        _regions[region.Id] = new RegionState(length);
        return region;
    }

    public void Write(VaultStore vault, VaultRegion region, long offset, byte[] data)
    {
        _lastStarted = $"Write {region.Id} at {offset}";
        var state = _regions[region.Id];
        Array.Fill(state.Uncertain, true, (int)offset, data.Length);
        vault.Write(region, offset, data);
        data.CopyTo(state.Bytes, offset);
        Array.Fill(state.Uncertain, false, (int)offset, data.Length);
    }

    public VaultWriter OpenWriter(VaultStore vault, VaultRegion region, long offset) => vault.OpenWriter(region, offset);

    /// <summary>Bytes through a writer are uncertain (landed or not) until the writer commits.</summary>
    public void WriterWrite(VaultWriter writer, byte[] data)
    {
        _lastStarted = $"writer write {writer.RegionId} at {writer.Position}";
        var state = _regions[writer.RegionId];
        var offset = writer.Position;
        Array.Fill(state.Uncertain, true, (int)offset, data.Length);
        _uncommitted.Add((writer.RegionId, offset, data.Length));
        writer.Write(data);
        data.CopyTo(state.Bytes, offset);
    }

    public void WriterCommit(VaultWriter writer, bool dispose = false)
    {
        _lastStarted = $"writer {(dispose ? "dispose" : "commit")} {writer.RegionId}";
        if (dispose) writer.Dispose();
        else writer.Commit();
        foreach (var (id, offset, length) in _uncommitted.Where(u => u.Region == writer.RegionId))
            Array.Fill(_regions[id].Uncertain, false, (int)offset, length);
        _uncommitted.RemoveAll(u => u.Region == writer.RegionId);
    }

    /// <summary>The whole blocks inside the range read as zeros once it returns (before: either); its edges keep their bytes.</summary>
    public void Discard(VaultStore vault, VaultRegion region, long offset, long length)
    {
        _lastStarted = $"Discard {region.Id} at {offset}";
        var state = _regions[region.Id];
        var block = VaultGeometry.DataBlockSize;
        var first = (int)((offset + block - 1) / block * block);
        var end = (int)((offset + length) / block * block);
        if (end <= first) return;
        Array.Fill(state.Uncertain, true, first, end - first);
        vault.Discard(region, offset, length);
        Array.Clear(state.Bytes, first, end - first);
        Array.Fill(state.Uncertain, false, first, end - first);
    }

    public void Wipe(VaultStore vault, VaultRegion region)
    {
        _lastStarted = $"Wipe {region.Id}";
        _wipeInFlight = region.Id;
        vault.Wipe(region);
        _wipeInFlight = null;
        Array.Clear(_regions[region.Id].Bytes);
    }

    public void Free(VaultStore vault, VaultRegion region)
    {
        _lastStarted = $"Free {region.Id}";
        _freeInFlight = region.Id;
        vault.Free(region);
        _freeInFlight = null;
        _regions.Remove(region.Id);
    }

    public void Verify(VaultStore vault, string context)
    {
        context += $" (last operation started: {_lastStarted})";
        var check = vault.Check();
        Assert.True(check.IsHealthy, $"{context}: {check}");
        var present = vault.Regions.ToDictionary(r => r.Id);
        foreach (var (id, state) in _regions)
        {
            if (!present.TryGetValue(id, out var region))
            {
                Assert.True(id == _freeInFlight, $"{context}: acknowledged region {id} is missing");
                continue;
            }
            var actual = new byte[state.Bytes.Length];
            vault.Read(region, 0, actual);
            if (id == _wipeInFlight && actual.All(b => b == 0)) continue;
            for (var i = 0; i < actual.Length; i++)
                if (!state.Uncertain[i] && actual[i] != state.Bytes[i])
                    Assert.Fail($"{context}: region {id} byte {i} is {actual[i]}, acknowledged {state.Bytes[i]}");
        }
        var extra = present.Keys.Count(id => !_regions.ContainsKey(id));
        Assert.True(extra <= (_allocateInFlight ? 1 : 0), $"{context}: {extra} regions appeared that were never acknowledged");
    }
}
