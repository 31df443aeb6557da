using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace PeerStorage.Shell.Host;

/// <summary>
/// Reads answers from the terminal for PromptForChoice, Prompt, credentials and ReadLine. Every entry point
/// first checks that stdin is a terminal, so -Confirm in CI fails at once instead of hanging.
/// </summary>
internal sealed class ConsolePrompter(Terminal terminal)
{
    public string ReadLine()
    {
        RequireTerminal("read a line of input", "Pass the value as a parameter instead.");
        var line = Console.ReadLine();
        return line ?? throw new HostException("peerstorage-shell: standard input ended while reading a line.");
    }

    public SecureString ReadSecret()
    {
        RequireTerminal("read a secret", "Pass the secret as a parameter (for example a PSCredential) instead.");
        var secret = new SecureString();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (secret.Length > 0)
                {
                    secret.RemoveAt(secret.Length - 1);
                }

                continue;
            }

            if (!char.IsControl(key.KeyChar))
            {
                secret.AppendChar(key.KeyChar);
            }
        }

        terminal.Write(Environment.NewLine);
        secret.MakeReadOnly();
        return secret;
    }

    public int PromptForChoice(string? caption, string? message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        RequireTerminal(
            "ask for confirmation",
            "Use -Confirm:$false (and -Force where the cmdlet has it) in non-interactive scripts, or -WhatIf to preview.");
        WriteCaption(caption, message);

        var labels = choices.Select(c => HotKeyLabel.Parse(c.Label)).ToArray();
        var menu = new StringBuilder();
        for (var i = 0; i < labels.Length; i++)
        {
            menu.Append('[').Append(labels[i].Key).Append("] ").Append(labels[i].Text).Append("  ");
        }

        menu.Append("[?] Help");
        if (defaultChoice >= 0 && defaultChoice < labels.Length)
        {
            menu.Append(" (default is \"").Append(labels[defaultChoice].Key).Append("\")");
        }

        menu.Append(": ");

        while (true)
        {
            terminal.Write(menu.ToString(), ConsoleColor.Yellow);
            var answer = ReadLine().Trim();
            if (answer.Length == 0 && defaultChoice >= 0 && defaultChoice < labels.Length)
            {
                return defaultChoice;
            }

            if (answer == "?")
            {
                for (var i = 0; i < labels.Length; i++)
                {
                    terminal.Write($"{labels[i].Key} - {choices[i].HelpMessage}{Environment.NewLine}");
                }

                continue;
            }

            var match = Array.FindIndex(labels, l =>
                string.Equals(l.Key, answer, StringComparison.OrdinalIgnoreCase)
                || string.Equals(l.Text, answer, StringComparison.OrdinalIgnoreCase));
            if (match >= 0)
            {
                return match;
            }
        }
    }

    public Dictionary<string, PSObject> Prompt(string? caption, string? message, Collection<FieldDescription> descriptions)
    {
        RequireTerminal("prompt for values", "Pass every mandatory parameter on the command line.");
        WriteCaption(caption, message);

        var answers = new Dictionary<string, PSObject>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in descriptions)
        {
            var label = string.IsNullOrEmpty(field.Label) ? field.Name : HotKeyLabel.Parse(field.Label).Text;
            var type = field.ParameterTypeFullName ?? string.Empty;
            if (type == typeof(SecureString).FullName)
            {
                terminal.Write(label + ": ");
                answers[field.Name] = new PSObject(ReadSecret());
            }
            else if (type == typeof(PSCredential).FullName)
            {
                answers[field.Name] = new PSObject(PromptForCredential(null, null, null));
            }
            else if (type.EndsWith("[]", StringComparison.Ordinal))
            {
                // An array parameter: one value per line until an empty line, as pwsh does.
                var values = new List<string>();
                while (true)
                {
                    terminal.Write($"{label}[{values.Count}]: ");
                    var line = ReadLine();
                    if (line.Length == 0)
                    {
                        break;
                    }

                    values.Add(line);
                }

                answers[field.Name] = new PSObject(values.ToArray());
            }
            else
            {
                terminal.Write(label + ": ");
                answers[field.Name] = new PSObject(ReadLine());
            }
        }

        return answers;
    }

    public PSCredential PromptForCredential(string? caption, string? message, string? userName)
    {
        RequireTerminal("prompt for a credential", "Pass a PSCredential to the -Credential parameter.");
        WriteCaption(caption, message);
        if (string.IsNullOrEmpty(userName))
        {
            terminal.Write("User: ");
            userName = ReadLine();
        }

        terminal.Write($"Password for user {userName}: ");
        return new PSCredential(userName, ReadSecret());
    }

    private void WriteCaption(string? caption, string? message)
    {
        if (!string.IsNullOrEmpty(caption))
        {
            terminal.Write(caption + Environment.NewLine);
        }

        if (!string.IsNullOrEmpty(message))
        {
            terminal.Write(message + Environment.NewLine);
        }
    }

    private void RequireTerminal(string what, string hint)
    {
        if (!terminal.InputIsTerminal)
        {
            throw NoInteractiveInput.For(what, hint);
        }
    }
}
