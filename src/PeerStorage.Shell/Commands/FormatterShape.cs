using System.Reflection;
using System.Management.Automation;
using Microsoft.PowerShell.Commands.Internal.Format;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// Gives a Format-* cmdlet its engine implementation, as pwsh's own Format-Table constructor does
/// (<c>implementation = new InnerFormatShapeCommand(FormatShape.Table)</c>). Those two types are internal to
/// System.Management.Automation, so they are reached by reflection; the engine version is pinned by the
/// package reference and a shell test runs both cmdlets.
/// </summary>
internal static class FormatterShape
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    private static readonly Assembly Engine = typeof(PSObject).Assembly;

    private static readonly FieldInfo ImplementationField =
        typeof(FrontEndCommandBase).GetField("implementation", Instance)
        ?? throw Missing("FrontEndCommandBase.implementation");

    private static readonly Type ShapeType =
        Engine.GetType("Microsoft.PowerShell.Commands.Internal.Format.FormatShape")
        ?? throw Missing("FormatShape");

    private static readonly ConstructorInfo InnerConstructor =
        Engine.GetType("Microsoft.PowerShell.Commands.Internal.Format.InnerFormatShapeCommand")?.GetConstructor(Instance, [ShapeType])
        ?? throw Missing("InnerFormatShapeCommand(FormatShape)");

    public static void Attach(FrontEndCommandBase command, string shape)
    {
        var inner = InnerConstructor.Invoke([Enum.Parse(ShapeType, shape)]);
        ImplementationField.SetValue(command, inner);
    }

    private static InvalidOperationException Missing(string what) =>
        new($"This System.Management.Automation has no {what}; the shell's Format cmdlets need the engine version it was built for.");
}
