using System.CommandLine;
using AgentRag.Core;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRag.Cli.Commands;

/// <summary><c>agentrag serve [--urls] [--data]</c>: the whole product in one process.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Addresses to listen on, separated by ';'.",
            DefaultValueFactory = _ => ServerOptions.DefaultUrl,
        };
        var auth = new Option<AuthMode?>("--auth")
        {
            Description = "open (no credentials; loopback addresses only) or required (API keys or JWTs). Default: AgentRag:Auth:Mode, else open.",
        };
        var command = new Command("serve", "Run the HTTP API (and background ingestion) on the data folder.") { urls, auth };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            List<string> args =
            [
                "--urls", parseResult.GetValue(urls)!,
                "--" + AgentRagWebApplicationExtensions.DataKey, DataDirectory.Resolve(parseResult.GetValue(CommonOptions.Data)),
                "--log-format", parseResult.GetValue(CommonOptions.LogFormat).ToString(),
            ];
            if (parseResult.GetValue(auth) is { } mode)
            {
                args.AddRange([$"--{AuthOptions.SectionName}:{nameof(AuthOptions.Mode)}", mode.ToString()]);
            }

            try
            {
                var builder = WebApplication.CreateBuilder([.. args]);
                builder.AddAgentRag();
                await using var app = builder.Build();
                app.MapAgentRag();
                await app.StartAsync(cancellationToken);
                await app.WaitForShutdownAsync(cancellationToken);
                return ExitCodes.Success;
            }
            catch (OptionsValidationException ex)
            {
                await Console.Error.WriteLineAsync($"agentrag: invalid configuration: {ex.Message}");
                return ExitCodes.Configuration;
            }
            catch (IOException ex) when (ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await Console.Error.WriteLineAsync($"agentrag: cannot listen on {parseResult.GetValue(urls)}: {ex.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
