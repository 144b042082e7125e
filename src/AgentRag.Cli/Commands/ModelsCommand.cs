using System.CommandLine;
using System.Globalization;
using AgentRag.Models.Configuration;
using AgentRag.Models.Diagnostics;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary><c>agentrag models check</c>: calls each configured model profile once and reports its latency or error.</summary>
internal static class ModelsCommand
{
    /// <summary>One line of <c>--json</c> output per profile.</summary>
    internal sealed record ProbeLine(
        string Profile, string Model, string Endpoint, bool Ok, double LatencyMs, long InputTokens, long OutputTokens, string? Error);

    public static Command Create()
    {
        var command = new Command("models", "Check the configured model profiles.");
        command.Add(CreateCheck());
        return command;
    }

    private static Command CreateCheck()
    {
        var command = new Command("check",
            "Call each configured model profile once (no retries, no fallback) and report its latency; exits non-zero when any profile fails. Each call records a usage row.");
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var catalog = host.Get<ModelCatalog>();
            if (catalog.Profiles.Count == 0)
            {
                throw new CliException(catalog.ChatUnavailableReason ?? "No model profile is configured.", ExitCodes.Configuration);
            }

            var results = await host.Get<ModelProbe>().ProbeAllAsync(host.TenantId, cancellationToken);
            if (host.Json)
            {
                foreach (var result in results)
                {
                    JsonOutput.WriteLine(new ProbeLine(result.Profile, result.Model, result.Endpoint.ToString(), result.Succeeded,
                        Math.Round(result.Latency.TotalMilliseconds, 1), result.InputTokens, result.OutputTokens, result.Error));
                }
            }
            else
            {
                var table = new Table().AddColumns("Profile", "Model", "Endpoint", "Result", "Latency", "Tokens in/out");
                foreach (var result in results)
                {
                    table.AddRow(
                        Markup.Escape(result.Profile),
                        Markup.Escape(result.Model),
                        Markup.Escape(result.Endpoint.ToString()),
                        result.Succeeded ? "[green]ok[/]" : "[red]failed[/]",
                        result.Latency.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms",
                        $"{result.InputTokens.ToString(CultureInfo.InvariantCulture)}/{result.OutputTokens.ToString(CultureInfo.InvariantCulture)}");
                }

                AnsiConsole.Write(table);
            }

            foreach (var failed in results.Where(r => !r.Succeeded))
            {
                await Console.Error.WriteLineAsync($"agentrag: {failed.Error}");
            }

            return results.All(r => r.Succeeded) ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
