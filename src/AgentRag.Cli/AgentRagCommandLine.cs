using System.CommandLine;
using AgentRag.Cli.Commands;

namespace AgentRag.Cli;

/// <summary>
/// The <c>agentrag</c> command tree: the commands that need only the host-neutral composition root
/// (<c>AgentRag.Hosting</c>), plus the commands the executable supplies (<c>serve</c> and <c>keys</c>, which need the
/// web host), so this library does not reference the server.
/// </summary>
public static class AgentRagCommandLine
{
    /// <summary>The command tree, with <paramref name="hostCommands"/> (the executable's own commands) listed first.</summary>
    public static RootCommand Build(IEnumerable<Command> hostCommands)
    {
        ArgumentNullException.ThrowIfNull(hostCommands);
        var root = new RootCommand("AgentRag: upload documents, ask questions, get cited answers.");
        foreach (var option in CommonOptions.All)
        {
            root.Add(option);
        }

        foreach (var command in hostCommands)
        {
            root.Add(command);
        }

        root.Add(IngestCommand.Create());
        root.Add(DocsCommand.Create());
        root.Add(SearchCommand.Create());
        root.Add(AskCommand.Create());
        root.Add(EvalCommand.Create());
        root.Add(BenchCommand.Create());
        root.Add(ModelsCommand.Create());
        root.Add(UsageCommand.Create());
        root.Add(ApprovalsCommand.Create());
        root.Add(McpCommand.Create());
        root.Add(MigrateCommand.Create());
        root.Add(BackupCommand.CreateBackup());
        root.Add(BackupCommand.CreateRestore());
        root.SetAction(_ =>
        {
            // No command: show the help rather than doing anything.
            return root.Parse("--help").Invoke();
        });
        return root;
    }

    /// <summary>
    /// Runs the command. An unexpected exception is reported as one line on standard error (the stack trace only at
    /// <c>--log-level Debug</c> or below) with exit code 1, never as a crash dump.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args, IEnumerable<Command> hostCommands)
    {
        Spectre.Console.AnsiConsole.Console = CliConsole.Create();
        var parseResult = Build(hostCommands).Parse(args);
        try
        {
            var exitCode = await parseResult.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });

            // A command line that does not parse (an unknown option, a value no option takes) is bad usage.
            return parseResult.Errors.Count > 0 && exitCode != ExitCodes.Success ? ExitCodes.Usage : exitCode;
        }
        catch (CliException ex)
        {
            await Console.Error.WriteLineAsync($"agentrag: {ex.Message}");
            return ex.ExitCode;
        }
        catch (Exception ex)
        {
            var detailed = parseResult.GetValue(CommonOptions.LogLevel) <= Microsoft.Extensions.Logging.LogLevel.Debug;
            await Console.Error.WriteLineAsync($"agentrag: unexpected error: {(detailed ? ex.ToString() : ex.Message)}");
            return ExitCodes.Failure;
        }
    }
}
