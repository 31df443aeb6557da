using System.Collections.ObjectModel;
using System.Reflection;

namespace PeerStorage.HelpGen;

/// <summary>
/// Reading attributes as metadata (CustomAttributeData): in a MetadataLoadContext no attribute can be constructed,
/// so their constructor and named arguments are read as values.
/// </summary>
public static class Attributes
{
    public const string PowerShellNamespace = "System.Management.Automation.";

    public static IEnumerable<CustomAttributeData> OfType(this MemberInfo member, string attributeName) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType.FullName == PowerShellNamespace + attributeName);

    public static CustomAttributeData? Single(this MemberInfo member, string attributeName) => member.OfType(attributeName).FirstOrDefault();

    public static T? Named<T>(this CustomAttributeData attribute, string name, T? fallback = default)
    {
        foreach (var argument in attribute.NamedArguments)
            if (argument.MemberName == name) return (T?)Convert(argument.TypedValue);
        return fallback;
    }

    public static object? Argument(this CustomAttributeData attribute, int index) =>
        index < attribute.ConstructorArguments.Count ? Convert(attribute.ConstructorArguments[index]) : null;

    /// <summary>Every value of all constructor arguments, with params arrays flattened ([Alias("a", "b")], [OutputType(typeof(A), typeof(B))]).</summary>
    public static IEnumerable<object?> Arguments(this CustomAttributeData attribute) =>
        attribute.ConstructorArguments.SelectMany(a => Convert(a) is object?[] values ? values : [Convert(a)]);

    private static object? Convert(CustomAttributeTypedArgument argument) =>
        argument.Value is ReadOnlyCollection<CustomAttributeTypedArgument> array
            ? array.Select(Convert).ToArray()
            : argument.Value;
}
