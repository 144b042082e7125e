using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using AgentRag.Core;
using AgentRag.Storage.Postgres;
using AgentRag.Storage.Postgres.Import;
using AgentRag.Storage.Sqlite.Schema;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag migrate --from-data DIR [--connection CS]</c>: copies an embedded data folder (its database, originals and
/// API key secret) into the PostgreSQL database of a cluster (<c>ConnectionStrings:Postgres</c>, or <c>--connection</c>)
/// and its blob folder (<c>AgentRag:Postgres:BlobDirectory</c>, else <c>--data</c>, as <c>serve</c> uses them). All or
/// nothing, and idempotent (see <see cref="EmbeddedDataImporter"/>). Progress goes to standard error; the summary (or
/// with <c>--json</c> one JSON object) to standard output. Exit codes: 0 done (also when everything was there already),
/// 1 refused (a conflict, a folder in use, an unreachable database), 2 not a data folder, 3 no or a malformed connection
/// string, 4 no such folder.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var fromData = new Option<string>("--from-data")
        {
            Description = "The embedded data folder to copy (stop any server using it first; like any command, this brings its schema up to date).",
            Required = true,
        };
        var connection = new Option<string?>("--connection")
        {
            Description = $"The target database's connection string (default: ConnectionStrings:{PostgresStorageOptions.ConnectionStringName}, env ConnectionStrings__Postgres).",
        };
        var command = new Command("migrate", "Copy an embedded data folder into the shared PostgreSQL database and blob folder.") { fromData, connection };
        command.SetGuardedAction(async (parseResult, cancellationToken) =>
        {
            var options = TargetOptions(parseResult.GetValue(connection), parseResult.GetValue(CommonOptions.Data));
            await using var database = new PostgresDatabase(options);
            var importer = new EmbeddedDataImporter(database, options.BlobDirectory);
            var progress = new StandardErrorProgress("agentrag migrate");
            var result = await ImportAsync(importer, parseResult.GetValue(fromData)!, options, progress, cancellationToken);
            if (parseResult.GetValue(CommonOptions.Json))
            {
                JsonOutput.WriteLine(result);
            }
            else
            {
                Console.Out.WriteLine(
                    $"Copied {result.RowsCopied} rows in {result.Tables.Count(t => t.Copied > 0)} tables and {result.FilesCopied} originals " +
                    $"({result.Tables.Sum(t => t.AlreadyThere)} rows and {result.FilesAlreadyThere} originals were there already)" +
                    (result.KeySecretCopied ? "; the folder's API key secret is now the database's." : "."));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<EmbeddedImportResult> ImportAsync(
        EmbeddedDataImporter importer, string folder, PostgresStorageOptions options, IProgress<string> progress, CancellationToken cancellationToken)
    {
        try
        {
            return await importer.ImportAsync(folder, progress, cancellationToken);
        }
        catch (EmbeddedImportException ex)
        {
            throw new CliException(ex.Message, ex.Failure switch
            {
                EmbeddedImportFailure.NotFound => ExitCodes.NotFound,
                EmbeddedImportFailure.NotADataFolder => ExitCodes.Usage,
                _ => ExitCodes.Failure,
            });
        }
        catch (SqliteSchemaException ex)
        {
            throw new CliException($"The data folder '{folder}' cannot be read: {ex.Message}");
        }
        catch (Exception ex) when (ex is NpgsqlException { IsTransient: true } or System.Net.Sockets.SocketException || ex.InnerException is System.Net.Sockets.SocketException)
        {
            var target = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            throw new CliException(
                $"Cannot reach the PostgreSQL database {target.Database} at {target.Host}:{target.Port} (ConnectionStrings:{PostgresStorageOptions.ConnectionStringName}): {ex.Message}; nothing was copied.");
        }
        catch (PostgresException ex)
        {
            throw new CliException($"The PostgreSQL database refused the import: {ex.MessageText}; nothing was copied.");
        }
    }

    /// <summary>The target's settings: <c>AgentRag:Postgres</c> and the connection string from the environment, <c>--connection</c> over them.</summary>
    private static PostgresStorageOptions TargetOptions(string? connection, string? dataOption)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var options = new PostgresStorageOptions();
        configuration.GetSection(PostgresStorageOptions.SectionName).Bind(options);
        options.ConnectionString = connection ?? configuration.GetConnectionString(PostgresStorageOptions.ConnectionStringName) ?? "";
        if (string.IsNullOrWhiteSpace(options.BlobDirectory))
        {
            options.BlobDirectory = DataDirectory.Resolve(dataOption);
        }

        var errors = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true))
        {
            throw new CliException(
                $"Invalid configuration: {string.Join(" ", errors.Select(e => e.ErrorMessage))} Or give --connection.", ExitCodes.Configuration);
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new CliException($"Invalid configuration: the PostgreSQL connection string is malformed: {ex.Message}", ExitCodes.Configuration);
        }

        return options;
    }
}
