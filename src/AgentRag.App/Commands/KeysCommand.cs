using System.CommandLine;
using AgentRag.Cli;
using AgentRag.Cli.Commands;
using AgentRag.Core.Security;
using AgentRag.Server.Apis;
using AgentRag.Server.Security;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.App.Commands;

/// <summary>
/// <c>agentrag keys create|list|revoke</c>: manages API keys directly in the data folder (the server shares it, so a
/// revocation takes effect at the key's next use). <c>create</c> prints the key once; only its hash is stored.
/// </summary>
internal static class KeysCommand
{
    /// <summary>The <c>--json</c> output of <c>keys create</c>.</summary>
    internal sealed record CreatedKey(string Id, string Key, string Tenant, string Role, bool PlatformAdmin, string Name, DateTimeOffset? ExpiresAt);

    /// <summary>The key service is the server's (<see cref="ApiKeyService"/>); the CLI's composition adds it for these commands.</summary>
    private static void AddKeyServices(IServiceCollection services) => services.AddApiKeys();

    public static Command Create() => new("keys", "Create, list and revoke API keys.") { CreateCommand(), ListCommand(), RevokeCommand() };

    private static Command CreateCommand()
    {
        var role = new Option<string>("--role") { Description = "admin, member or viewer.", Required = true };
        var name = new Option<string?>("--name") { Description = "A name to recognise the key by." };
        var expiresDays = new Option<int?>("--expires-days") { Description = $"Days until the key expires (1–{KeysApi.MaxExpiryDays}); never when omitted." };
        var platformAdmin = new Option<bool>("--platform-admin") { Description = "A platform administrator's key (role admin): may act for any tenant." };
        var command = new Command("create", "Create a key for --tenant and print it once.") { role, name, expiresDays, platformAdmin };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            if (!TenantRoles.TryParse(parseResult.GetValue(role), out var parsedRole))
            {
                throw new CliException($"Invalid --role '{parseResult.GetValue(role)}': use admin, member or viewer.", ExitCodes.Usage);
            }

            var isPlatformAdmin = parseResult.GetValue(platformAdmin);
            if (isPlatformAdmin && parsedRole != TenantRole.Admin)
            {
                throw new CliException("--platform-admin needs --role admin.", ExitCodes.Usage);
            }

            var days = parseResult.GetValue(expiresDays);
            if (days is < 1 or > KeysApi.MaxExpiryDays)
            {
                throw new CliException($"Invalid --expires-days {days}: use 1–{KeysApi.MaxExpiryDays}.", ExitCodes.Usage);
            }

            var expiresAt = days is { } d ? host.Get<TimeProvider>().GetUtcNow().AddDays(d) : (DateTimeOffset?)null;
            var issued = await host.Get<ApiKeyService>().CreateAsync(
                host.TenantId, parsedRole, parseResult.GetValue(name), expiresAt, isPlatformAdmin, cancellationToken);
            var key = issued.Record;
            var created = new CreatedKey(key.Id, issued.Key, key.TenantId, TenantRoles.Name(key.Role), key.PlatformAdmin, key.Name, key.ExpiresAt);
            if (host.Json)
            {
                JsonOutput.WriteLine(created);
            }
            else
            {
                Console.Out.WriteLine(issued.Key);
                Console.Error.WriteLine(
                    $"Created {created.Role}{(created.PlatformAdmin ? " (platform admin)" : "")} key {created.Id} for tenant {created.Tenant}"
                    + $"{(created.ExpiresAt is { } e ? $", expiring {e:u}" : "")}. It is shown this once: store it now.");
            }

            return ExitCodes.Success;
        }, addServices: AddKeyServices);
        return command;
    }

    private static Command ListCommand()
    {
        var all = new Option<bool>("--all-tenants") { Description = "List every tenant's keys." };
        var command = new Command("list", "List the keys of --tenant (never the keys themselves).") { all };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var keys = await host.Get<ApiKeyService>().ListAsync(parseResult.GetValue(all) ? null : host.TenantId, cancellationToken);
            var now = host.Get<TimeProvider>().GetUtcNow();
            if (host.Json)
            {
                JsonOutput.WriteLine(keys.Select(KeysApi.KeyResponse.From).ToList());
                return ExitCodes.Success;
            }

            if (keys.Count == 0)
            {
                Console.Out.WriteLine("No keys.");
                return ExitCodes.Success;
            }

            foreach (var key in keys)
            {
                var state = key.RevokedAt is not null ? "revoked" : key.IsActiveAt(now) ? "active" : "expired";
                Console.Out.WriteLine(
                    $"{key.Id}  {key.Prefix}…  {key.TenantId}  {TenantRoles.Name(key.Role)}{(key.PlatformAdmin ? "+platform" : "")}  {state}  {key.Name}"
                    + $"  last used {(key.LastUsedAt is { } used ? used.ToString("u") : "never")}");
            }

            return ExitCodes.Success;
        }, addServices: AddKeyServices);
        return command;
    }

    private static Command RevokeCommand()
    {
        var id = new Argument<string>("id") { Description = "The key's id (key_…)." };
        var command = new Command("revoke", "Revoke a key at once, whichever tenant it belongs to.") { id };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var keyId = parseResult.GetValue(id)!;
            var revoked = await host.Get<ApiKeyService>().RevokeAsync(keyId, tenantId: null, cancellationToken)
                ?? throw new CliException($"No API key '{keyId}'.", ExitCodes.NotFound);
            if (host.Json)
            {
                JsonOutput.WriteLine(KeysApi.KeyResponse.From(revoked));
            }
            else
            {
                Console.Out.WriteLine($"Revoked {revoked.Id} ({revoked.Name}, tenant {revoked.TenantId}).");
            }

            return ExitCodes.Success;
        }, addServices: AddKeyServices);
        return command;
    }
}
