using System.Management.Automation;

namespace PeerStorage.Module.Tests;

/// <summary>Reading module objects without a compile-time reference to the module (the test must not carry its own copy).</summary>
internal static class Ps
{
    public static T Prop<T>(this PSObject o, string name)
    {
        var value = o.Properties[name]?.Value ?? throw new KeyNotFoundException($"{o.BaseObject.GetType().Name} has no property {name}");
        return value is T t ? t : (T)LanguagePrimitives.ConvertTo(value, typeof(T));
    }

    public static string Str(this PSObject o, string name) => o.Properties[name]?.Value?.ToString() ?? "";

    public static string TypeName(this PSObject o) => o.BaseObject.GetType().FullName!;
}
