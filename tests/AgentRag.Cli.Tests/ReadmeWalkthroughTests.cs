using System.Text;
using System.Text.RegularExpressions;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary>
/// The README's "Using it" walkthrough, run as written: the <c>ingest</c>, <c>docs list</c>, <c>search</c> and <c>ask</c>
/// lines of its first code block, in order, from a fresh folder laid out like a clone (the repository folder beside
/// <c>shared</c>), so the README and the product cannot drift apart.
/// </summary>
public sealed partial class ReadmeWalkthroughTests
{
    private static readonly string[] Steps = ["ingest", "docs list", "search", "ask"];

    [Fact]
    public async Task Walkthrough_RunAsWrittenOnAFreshClone_SearchFindsPassagesAndAskGivesACitedAnswer()
    {
        var lines = ReadWalkthrough(Path.Combine(SharedPaths.RepositoryRoot, "README.md"));
        using var root = new TempDirectory("agentrag-readme");
        var clone = root.Combine("agentrag");
        Directory.CreateDirectory(clone);
        Directory.CreateSymbolicLink(root.Combine("shared"), SharedPaths.Shared);

        // Every line must work on the same data folder, or search and ask find nothing that ingest wrote.
        var folders = lines.Select(line => (line.Text, Folder: DataFolderOf(line.Arguments, clone, root.Path))).ToList();
        folders.Select(f => f.Folder).Distinct().Count().ShouldBe(1,
            "The walkthrough's lines use different data folders:\n" + string.Join("\n", folders.Select(f => $"  {f.Folder}  <-  {f.Text}")));

        foreach (var line in lines)
        {
            var result = await CliProcess.RunAsync(Runnable(line.Arguments, clone, root.Path), workingDirectory: clone);

            result.ExitCode.ShouldBe(0, $"{line.Text}\n{result}");
            switch (line.Step)
            {
                case "ingest":
                    result.StandardOutput.ShouldNotContain("failed", Case.Insensitive, $"{line.Text}\n{result}");
                    break;
                case "docs list":
                    var count = DocumentCount().Match(result.StandardOutput);
                    count.Success.ShouldBeTrue($"{line.Text}\n{result}");
                    int.Parse(count.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0, $"{line.Text}\n{result}");
                    break;
                case "search":
                    result.StandardOutput.ShouldNotContain("No results.", Case.Sensitive, $"{line.Text}\n{result}");
                    result.StandardOutput.ShouldMatch(@"(?m)^1\. \S+", $"{line.Text}\n{result}");
                    break;
                case "ask":
                    result.StandardOutput.ShouldNotContain("The documents do not cover this question.", Case.Sensitive, $"{line.Text}\n{result}");
                    result.StandardOutput.ShouldContain("Sources:", Case.Sensitive, $"{line.Text}\n{result}");
                    result.StandardOutput.ShouldMatch(@"(?m)^\s+\[1\] \S+\.(pdf|docx|html|md|txt)\b", $"{line.Text}\n{result}");
                    break;
            }
        }
    }

    /// <summary>One walkthrough line: its text, the step it is, and its arguments after <c>./agentrag</c>.</summary>
    private sealed record WalkthroughLine(string Text, string Step, IReadOnlyList<ShellWord> Arguments);

    /// <summary>A word of a shell line; a quoted word is never a glob.</summary>
    private sealed record ShellWord(string Text, bool Quoted);

    /// <summary>The ingest, docs list, search and ask lines of the first code block under "## Using it", in order.</summary>
    private static List<WalkthroughLine> ReadWalkthrough(string readme)
    {
        var text = File.ReadAllLines(readme);
        var section = Array.FindIndex(text, l => l.Trim() == "## Using it");
        section.ShouldBeGreaterThanOrEqualTo(0, "README.md has no '## Using it' section.");
        var open = Array.FindIndex(text, section, l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
        var close = Array.FindIndex(text, open + 1, l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
        open.ShouldBeGreaterThan(section, "The 'Using it' section has no code block.");

        List<WalkthroughLine> lines = [];
        foreach (var raw in text[(open + 1)..close])
        {
            var words = ShellWords(raw);
            if (words.Count < 2 || words[0].Text != "./agentrag")
            {
                continue;
            }

            var step = words[1].Text == "docs" && words.Count > 2 ? $"docs {words[2].Text}" : words[1].Text;
            if (Steps.Contains(step))
            {
                words.ShouldAllBe(w => w.Quoted || w.Text.IndexOfAny(new[] { '<', '>' }) < 0, $"A walkthrough line must run as written: {raw}");
                lines.Add(new WalkthroughLine(raw.Trim(), step, words[1..]));
            }
        }

        var firsts = Steps.Select(s => lines.FindIndex(l => l.Step == s)).ToList();
        firsts.ShouldAllBe(i => i >= 0, $"The walkthrough must show {string.Join(", ", Steps)}; it has: {string.Join(" | ", lines.Select(l => l.Text))}");
        firsts.ShouldBe(firsts.Order().ToList(), $"The walkthrough must run {string.Join(" → ", Steps)} in that order.");
        return lines;
    }

    /// <summary>
    /// The words of a shell line's first command: whitespace-separated, '…' and "…" quoting; a # comment or a pipe ends it.
    /// </summary>
    private static List<ShellWord> ShellWords(string line)
    {
        List<ShellWord> words = [];
        var word = new StringBuilder();
        var inWord = false;
        var quoted = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
                quoted = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(new ShellWord(word.ToString(), quoted));
                    word.Clear();
                    inWord = false;
                    quoted = false;
                }
            }
            else if ((c == '#' && !inWord) || c == '|')
            {
                break; // a comment, or a pipe into another program: the agentrag command ends here
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(new ShellWord(word.ToString(), quoted));
        }

        return words;
    }

    /// <summary>The folder a line works on: its <c>--data</c>, else <c>./data</c> (the tests never set AGENTRAG_DATA).</summary>
    private static string DataFolderOf(IReadOnlyList<ShellWord> arguments, string clone, string root)
    {
        var index = arguments.ToList().FindIndex(a => a.Text == "--data");
        var given = index >= 0 && index + 1 < arguments.Count ? arguments[index + 1].Text : "./data";
        return Path.GetFullPath(Relocate(given, root), clone);
    }

    /// <summary>
    /// The line's arguments as the CLI gets them from a shell: globs expanded in the clone, and an absolute path (such
    /// as <c>/tmp/agentrag</c>) moved under the test's own folder so the test never touches the machine's.
    /// </summary>
    private static List<string> Runnable(IReadOnlyList<ShellWord> arguments, string clone, string root)
    {
        List<string> runnable = [];
        foreach (var (argument, quoted) in arguments)
        {
            var relocated = Relocate(argument, root);
            if (!quoted && relocated.IndexOfAny(['*', '?']) >= 0)
            {
                var full = Path.GetFullPath(relocated, clone);
                var matches = Directory.GetFiles(Path.GetDirectoryName(full)!, Path.GetFileName(full)).Order(StringComparer.Ordinal).ToList();
                matches.ShouldNotBeEmpty($"The glob {argument} matches nothing.");
                runnable.AddRange(matches);
            }
            else
            {
                runnable.Add(relocated);
            }
        }

        return runnable;
    }

    private static string Relocate(string argument, string root) =>
        argument.StartsWith('/') ? Path.Combine(root, "rooted", argument.TrimStart('/')) : argument;

    [GeneratedRegex(@"(?m)^(\d+) of \d+ document\(s\)\s*$")]
    private static partial Regex DocumentCount();
}
