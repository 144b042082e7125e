using System.CommandLine;

namespace AgentRag.Cli.Commands;

/// <summary>Runs a command body on a <see cref="CliHost"/>, turning <see cref="CliException"/>s into exit codes.</summary>
internal static class CommandRunner
{
    public static void SetHostedAction(this Command command, Func<CliHost, ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                await using var host = CliHost.Start(parseResult);
                return await body(host, parseResult, cancellationToken);
            }
            catch (CliException ex)
            {
                await Console.Error.WriteLineAsync($"agentrag: {ex.Message}");
                return ex.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("agentrag: cancelled.");
                return 130;
            }
        });
    }
}
