using System.Collections;
using System.Management.Automation;
using Microsoft.PowerShell.Commands;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// One entry of a -Property argument as pwsh's Select-Object and Measure-Object take it: a name (wildcards
/// allowed), a script block, or a hashtable with Name/Label and Expression.
/// </summary>
internal sealed class PropertySpec
{
    private PropertySpec(string? label, PSPropertyExpression expression)
    {
        Label = label;
        Expression = expression;
    }

    /// <summary>The name the calculated property gets (null: the resolved property names).</summary>
    public string? Label { get; }

    public PSPropertyExpression Expression { get; }

    public static PropertySpec Parse(object? entry)
    {
        entry = entry is PSObject wrapped ? wrapped.BaseObject : entry;
        switch (entry)
        {
            case string name:
                return new PropertySpec(null, new PSPropertyExpression(name));
            case ScriptBlock block:
                return new PropertySpec(block.ToString().Trim(), new PSPropertyExpression(block));
            case IDictionary table:
                string? label = null;
                PSPropertyExpression? expression = null;
                foreach (DictionaryEntry item in table)
                {
                    var key = item.Key?.ToString() ?? string.Empty;
                    var value = item.Value is PSObject p ? p.BaseObject : item.Value;
                    if (IsKey(key, "Name") || IsKey(key, "Label"))
                    {
                        label = value?.ToString();
                    }
                    else if (IsKey(key, "Expression"))
                    {
                        expression = value switch
                        {
                            ScriptBlock block => new PSPropertyExpression(block),
                            string name => new PSPropertyExpression(name),
                            _ => throw new PSArgumentException($"The Expression key must be a string or a script block, not '{value}'."),
                        };
                    }
                    else
                    {
                        throw new PSArgumentException($"The '{key}' key is not valid in a calculated property. Use Name (or Label) and Expression.");
                    }
                }

                if (expression is null)
                {
                    throw new PSArgumentException("A calculated property needs an Expression key.");
                }

                return new PropertySpec(label ?? expression.ToString(), expression);
            default:
                throw new PSArgumentException($"A property must be a name, a script block or a hashtable, not '{entry}'.");
        }
    }

    /// <summary>The (name, value) pairs this entry gives for one input object.</summary>
    public IEnumerable<(string Name, object? Value)> Evaluate(PSObject input)
    {
        if (Label is not null)
        {
            var results = Expression.GetValues(input);
            var value = results.Count == 0 ? null : results[0].Exception is null ? results[0].Result : null;
            yield return (Label, value);
            yield break;
        }

        foreach (var resolved in Expression.ResolveNames(input))
        {
            var results = resolved.GetValues(input);
            yield return (resolved.ToString(), results.Count == 0 ? null : results[0].Result);
        }

        if (!Expression.HasWildCardCharacters && Expression.ResolveNames(input).Count == 0)
        {
            // pwsh adds a property that does not exist with an empty value.
            yield return (Expression.ToString(), null);
        }
    }

    private static bool IsKey(string key, string full) =>
        key.Length > 0 && full.StartsWith(key, StringComparison.OrdinalIgnoreCase);
}
