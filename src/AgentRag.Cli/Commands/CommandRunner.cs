using Microsoft.Extensions.DependencyInjection;
using System.CommandLine;

namespace AgentRag.Cli.Commands;

/// <summary>Runs a command body on a <see cref="CliHost"/>, turning <see cref="CliException"/>s into exit codes.</summary>
internal static class CommandRunner
{
    /// <summary>Sets <paramref name="body"/> as the command's action, run on a host over the folder <paramref name="folder"/> says.</summary>
    public static void SetHostedAction(
        this Command command,
        Func<CliHost, ParseResult, CancellationToken, Task<int>> body,
        HostFolder folder = HostFolder.Data,
        Action<IServiceCollection>? addServices = null)
    {
        command.SetGuardedAction(async (parseResult, cancellationToken) =>
        {
            var scratch = folder == HostFolder.Scratch || (folder == HostFolder.ScratchUnlessDataGiven && parseResult.GetResult(CommonOptions.Data) is null)
                ? Path.Combine(Path.GetTempPath(), $"agentrag-{command.Name}-{Guid.NewGuid():N}")
                : null;
            try
            {
                await using var host = CliHost.Start(parseResult, scratch, addServices);
                return await body(host, parseResult, cancellationToken);
            }
            finally
            {
                if (scratch is not null && Directory.Exists(scratch))
                {
                    Directory.Delete(scratch, recursive: true);
                }
            }
        });
    }

    /// <summary>
    /// Sets <paramref name="body"/> as the command's action, for a command that builds no host (it opens what it needs
    /// itself): a <see cref="CliException"/> becomes its message on standard error and its exit code, a cancellation 130.
    /// </summary>
    public static void SetGuardedAction(this Command command, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await body(parseResult, cancellationToken);
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

/// <summary>The data folder a command's host runs on.</summary>
internal enum HostFolder
{
    /// <summary>The data folder: <c>--data</c>, else env <c>AGENTRAG_DATA</c>, else <c>./data</c> (created when missing).</summary>
    Data,

    /// <summary>
    /// The folder <c>--data</c> names, else a throwaway folder deleted afterwards, so a command that only reads its
    /// inputs (an evaluation) leaves no <c>./data</c> behind.
    /// </summary>
    ScratchUnlessDataGiven,

    /// <summary>Always a throwaway folder deleted afterwards; <c>--data</c> is not touched.</summary>
    Scratch,
}
