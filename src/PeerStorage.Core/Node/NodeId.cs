using System.Security.Cryptography;
using System.Text;

namespace PeerStorage.Core.Node;

/// <summary>
/// A node id: SHA-256 of the node's SubjectPublicKeyInfo, written in base32 with a Luhn mod 32 check character
/// after each quarter, then grouped by seven, e.g. <c>MFZWI3D-BONSGYC-...</c> (8 groups). People can read it aloud
/// and compare it; a mistyped character is caught by the check characters.
/// </summary>
public readonly record struct NodeId
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const int QuarterLength = 13; // 52 base32 characters for 256 bits, in four quarters
    private readonly byte[]? _hash;

    private NodeId(byte[] hash) => _hash = hash;

    /// <summary>The 32 hash bytes.</summary>
    public ReadOnlySpan<byte> Hash => _hash ?? throw new InvalidOperationException("Empty node id.");

    public static NodeId FromPublicKey(ReadOnlySpan<byte> subjectPublicKeyInfo) => new(SHA256.HashData(subjectPublicKeyInfo));

    public static NodeId FromHash(ReadOnlySpan<byte> hash)
    {
        if (hash.Length != 32) throw new ArgumentException("A node id hash has 32 bytes.", nameof(hash));
        return new NodeId(hash.ToArray());
    }

    public bool Equals(NodeId other) => _hash is not null && other._hash is not null && _hash.AsSpan().SequenceEqual(other._hash);
    public override int GetHashCode() => _hash is null ? 0 : BitConverter.ToInt32(_hash, 0);

    public override string ToString()
    {
        if (_hash is null) return "";
        var plain = Base32(_hash); // 52 characters
        var withChecks = new StringBuilder(56);
        for (int q = 0; q < 4; q++)
        {
            var quarter = plain.Substring(q * QuarterLength, QuarterLength);
            withChecks.Append(quarter).Append(LuhnCheck(quarter));
        }
        var grouped = new StringBuilder(63);
        for (int i = 0; i < withChecks.Length; i += 7)
        {
            if (i > 0) grouped.Append('-');
            grouped.Append(withChecks, i, 7);
        }
        return grouped.ToString();
    }

    /// <summary>The first group: enough to tell nodes apart in a table, never enough to trust.</summary>
    public string Short => ToString()[..7];

    public static bool TryParse(string? text, out NodeId id, out string? problem)
    {
        id = default;
        problem = null;
        if (string.IsNullOrWhiteSpace(text)) { problem = "The node id is empty."; return false; }
        var clean = new StringBuilder(56);
        foreach (var c in text.Trim())
        {
            if (c is '-' or ' ') continue;
            var u = char.ToUpperInvariant(c);
            // People confuse these when reading aloud or typing; base32 has neither 0, 1 nor 8.
            u = u switch { '0' => 'O', '1' => 'I', '8' => 'B', _ => u };
            if (Alphabet.IndexOf(u) < 0) { problem = $"'{c}' is not a node id character."; return false; }
            clean.Append(u);
        }
        if (clean.Length != 56) { problem = $"A node id has 56 characters without dashes; this one has {clean.Length}."; return false; }
        var plain = new StringBuilder(52);
        for (int q = 0; q < 4; q++)
        {
            var quarter = clean.ToString(q * 14, QuarterLength);
            if (clean[q * 14 + QuarterLength] != LuhnCheck(quarter)) { problem = $"Check character {q + 1} does not match: the node id was mistyped."; return false; }
            plain.Append(quarter);
        }
        var bytes = FromBase32(plain.ToString());
        if (bytes is null) { problem = "The node id does not decode to 32 bytes."; return false; }
        id = new NodeId(bytes);
        return true;
    }

    public static NodeId Parse(string text) =>
        TryParse(text, out var id, out var problem)
            ? id
            : throw new PeerStorageException("InvalidNodeId", PeerErrorKind.InvalidArgument, $"'{text}' is not a node id: {problem}", target: text);

    private static string Base32(ReadOnlySpan<byte> data)
    {
        var sb = new StringBuilder((data.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5) { sb.Append(Alphabet[(buffer >> (bits - 5)) & 31]); bits -= 5; }
        }
        if (bits > 0) sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        return sb.ToString();
    }

    private static byte[]? FromBase32(string text)
    {
        var bytes = new byte[32];
        int buffer = 0, bits = 0, n = 0;
        foreach (var c in text)
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(c);
            bits += 5;
            if (bits >= 8)
            {
                if (n == 32) return null;
                bytes[n++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }
        // 52*5 = 260 bits: the 4 padding bits must be zero, or two spellings would name one node.
        if (n != 32 || (buffer & ((1 << bits) - 1)) != 0) return null;
        return bytes;
    }

    /// <summary>Luhn mod N over the base32 alphabet: catches every single-character error and most transpositions.</summary>
    private static char LuhnCheck(string s)
    {
        const int n = 32;
        int factor = 1, sum = 0;
        foreach (var c in s)
        {
            var addend = factor * Alphabet.IndexOf(c);
            factor = factor == 2 ? 1 : 2;
            sum += addend / n + addend % n;
        }
        var remainder = sum % n;
        return Alphabet[(n - remainder) % n];
    }
}
