using Spectre.Console;

namespace AgentRag.Cli;

/// <summary>
/// The Spectre console the CLI writes its tables and styled text with. On a terminal: ANSI styles, and colours unless
/// <c>NO_COLOR</c> is set (https://no-color.org). Piped or redirected: plain text whatever <c>TERM</c> says, no live
/// widgets, and lines as wide as their content, so ids and file names are never broken across lines for a script.
/// </summary>
internal static class CliConsole
{
    /// <summary>The width piped output may take: wider than any row the CLI prints, so nothing wraps.</summary>
    private const int PipedWidth = 500;

    public static IAnsiConsole Create() => Create(Console.Out, Console.IsOutputRedirected);

    /// <summary>The same for standard error, where progress goes so standard output keeps only results.</summary>
    public static IAnsiConsole CreateForProgress() => Create(Console.Error, Console.IsErrorRedirected);

    private static IAnsiConsole Create(TextWriter output, bool piped)
    {
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = piped ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = piped || noColor ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = piped ? InteractionSupport.No : InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(output),
        });
        if (piped)
        {
            console.Profile.Width = PipedWidth;
        }

        return console;
    }
}
