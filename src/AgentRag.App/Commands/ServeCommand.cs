using System.CommandLine;
using AgentRag.Cli;
using AgentRag.Cli.Commands;
using System.Net;
using System.Net.Sockets;
using AgentRag.Core;
using AgentRag.Hosting;
using AgentRag.Server.Hosting;
using AgentRag.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentRag.App.Commands;

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
        var cluster = new Option<bool>("--cluster")
        {
            Description = "Run as one replica of a cluster: PostgreSQL storage (ConnectionStrings:Postgres) and the Orleans runtime (ConnectionStrings:Redis); same as AgentRag:Storage=postgres and AgentRag:Runtime=orleans.",
        };
        var runtime = new Option<string?>("--runtime")
        {
            Description = $"The actor runtime: {string.Join(", ", AgentRagBuilder.Runtimes)} (dapr: actors hosted by the Dapr sidecar beside this process). Same as AgentRag:Runtime.",
        };
        var command = new Command("serve", "Run the HTTP API (and background ingestion) on the data folder.") { urls, auth, cluster, runtime };
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

            if (parseResult.GetValue(cluster))
            {
                args.AddRange([$"--{AgentRagBuilder.StorageKey}", AgentRagBuilder.PostgresStorage, $"--{AgentRagBuilder.RuntimeKey}", AgentRagBuilder.OrleansRuntime]);
            }

            if (parseResult.GetValue(runtime) is { Length: > 0 } chosen)
            {
                args.AddRange([$"--{AgentRagBuilder.RuntimeKey}", chosen]);
            }

            if (AddressInUse(parseResult.GetValue(urls)!) is { } inUse)
            {
                await Console.Error.WriteLineAsync(AddressInUseMessage(inUse));
                return ExitCodes.Configuration;
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
            catch (IOException ex) when (ex.InnerException is AddressInUseException)
            {
                // Another process took the address between the check above and the bind.
                await Console.Error.WriteLineAsync(AddressInUseMessage(parseResult.GetValue(urls)!));
                return ExitCodes.Configuration;
            }
        });
        return command;
    }

    private static string AddressInUseMessage(string url) =>
        $"agentrag: cannot listen on {url}: the address is already in use (is another server running?); stop it or choose another address with --urls.";

    /// <summary>
    /// The first of the ';'-separated <paramref name="urls"/> whose address another process already listens on, found
    /// by binding it briefly as Kestrel would (a named host other than localhost binds every interface), or null. Checked
    /// before the host starts, so a taken port is one clear line rather than the host's failed-start logs.
    /// </summary>
    private static string? AddressInUse(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                continue; // Kestrel reports a malformed address itself.
            }

            if (address.IsUnixPipe || address.Port == 0)
            {
                continue;
            }

            IPAddress[] candidates = IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) ? [ip]
                : string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase) ? [IPAddress.Loopback, IPAddress.IPv6Loopback]
                : [Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any];
            if (candidates.Any(candidate => IsInUse(new IPEndPoint(candidate, address.Port))))
            {
                return url;
            }
        }

        return null;
    }

    private static bool IsInUse(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(endpoint);
            return false;
        }
        catch (SocketException ex)
        {
            // Other failures (no IPv6, a privileged port) are Kestrel's to report.
            return ex.SocketErrorCode == SocketError.AddressAlreadyInUse;
        }
    }
}
