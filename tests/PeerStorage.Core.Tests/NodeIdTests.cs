using System.Security.Cryptography;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Tests;

public sealed class NodeIdTests
{
    private static NodeId RandomId() => NodeId.FromHash(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Text_form_is_eight_groups_of_seven_and_round_trips()
    {
        for (var i = 0; i < 200; i++)
        {
            var id = RandomId();
            var text = id.ToString();
            Assert.Matches("^([A-Z2-7]{7}-){7}[A-Z2-7]{7}$", text);
            Assert.Equal(id, NodeId.Parse(text));
            Assert.Equal(id, NodeId.Parse(text.ToLowerInvariant().Replace("-", "")));
        }
    }

    [Fact]
    public void Every_single_character_typo_is_caught()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var text = RandomId().ToString().Replace("-", "");
        for (var position = 0; position < text.Length; position++)
        foreach (var replacement in alphabet)
        {
            if (replacement == text[position]) continue;
            var typo = text[..position] + replacement + text[(position + 1)..];
            Assert.False(NodeId.TryParse(typo, out _, out var problem), $"typo at {position} accepted");
            Assert.NotNull(problem);
        }
    }

    [Fact]
    public void Look_alike_digits_read_as_the_letters_they_resemble()
    {
        var id = RandomId();
        var text = id.ToString();
        var withDigits = text.Replace('O', '0').Replace('I', '1').Replace('B', '8');
        Assert.Equal(id, NodeId.Parse(withDigits));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ABC")]
    [InlineData("ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEF!")]
    public void Malformed_ids_are_refused_with_a_clear_error(string text)
    {
        var e = Assert.Throws<PeerStorageException>(() => NodeId.Parse(text));
        Assert.Equal("InvalidNodeId", e.ErrorId);
        Assert.Equal(PeerErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Id_is_the_sha256_of_the_public_key()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        Assert.True(SHA256.HashData(spki).AsSpan().SequenceEqual(NodeId.FromPublicKey(spki).Hash));
    }
}
