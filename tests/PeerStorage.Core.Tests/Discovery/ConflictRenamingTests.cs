using PeerStorage.Core.Discovery.Responder;

namespace PeerStorage.Core.Tests.Discovery;

public sealed class ConflictRenamingTests
{
    [Theory]
    [InlineData("Lab PC", "Lab PC (2)")]
    [InlineData("Lab PC (2)", "Lab PC (3)")]
    [InlineData("Lab PC (41)", "Lab PC (42)")]
    [InlineData("(2)", "(2) (2)")]
    public void Instances_get_a_number_in_parentheses(string name, string next) =>
        Assert.Equal(next, ConflictRenaming.NextInstanceName(name));

    [Theory]
    [InlineData("lab-pc", "lab-pc-2")]
    [InlineData("lab-pc-2", "lab-pc-3")]
    [InlineData("pc9", "pc9-2")]
    public void Hosts_get_a_hyphenated_number(string name, string next) =>
        Assert.Equal(next, ConflictRenaming.NextHostName(name));

    [Fact]
    public void A_name_at_the_label_limit_is_shortened_so_the_number_fits()
    {
        var next = ConflictRenaming.NextInstanceName(new string('x', 63));
        Assert.EndsWith(" (2)", next);
        Assert.Equal(63, next.Length);
    }
}
