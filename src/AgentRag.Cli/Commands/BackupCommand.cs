using System.CommandLine;
using AgentRag.Core;
using AgentRag.Storage.Sqlite.Backup;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag backup --to DIR</c> and <c>agentrag restore --from DIR --data NEWDIR [--force]</c>: a consistent copy of a
/// data folder, live or not (<see cref="DataFolderBackup"/>), and its restore after verifying the manifest. Progress goes
/// to standard error; the summary (or with <c>--json</c> the manifest's figures) to standard output. Exit codes, as
/// <c>migrate</c>'s: 0 done; 1 refused or failed (a target that is not empty, a damaged backup, an I/O error; nothing
/// written); 2 not a data folder, or not a backup; 4 no such folder.
/// </summary>
internal static class BackupCommand
{
    public static Command CreateBackup()
    {
        var to = new Option<string>("--to") { Description = "The new folder to write the backup into (must not exist or be empty).", Required = true };
        var command = new Command("backup", "Copy the data folder, while a server may be using it, into a backup folder with a checksummed manifest.") { to };
        command.SetGuardedAction(async (parseResult, cancellationToken) =>
        {
            var source = DataDirectory.Resolve(parseResult.GetValue(CommonOptions.Data));
            var manifest = await RunAsync(() => DataFolderBackup.BackupAsync(
                source, parseResult.GetValue(to)!, DateTimeOffset.UtcNow, new StandardErrorProgress("agentrag backup"), cancellationToken));
            Report(parseResult, manifest, $"Backed up {source} into {Path.GetFullPath(parseResult.GetValue(to)!)}");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateRestore()
    {
        var from = new Option<string>("--from") { Description = "The backup folder (written by agentrag backup).", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace the content of a --data folder that is not empty." };
        var command = new Command("restore", "Verify a backup against its manifest and restore it as the --data folder.") { from, force };
        command.SetGuardedAction(async (parseResult, cancellationToken) =>
        {
            var target = DataDirectory.Resolve(parseResult.GetValue(CommonOptions.Data));
            var manifest = await RunAsync(() => DataFolderBackup.RestoreAsync(
                parseResult.GetValue(from)!, target, parseResult.GetValue(force), new StandardErrorProgress("agentrag restore"), cancellationToken));
            Report(parseResult, manifest, $"Restored the backup of {manifest.CreatedAt:u} into {target}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<BackupManifest> RunAsync(Func<Task<BackupManifest>> run)
    {
        try
        {
            return await run();
        }
        catch (BackupException ex)
        {
            throw new CliException(ex.Message, ex.Failure switch
            {
                BackupFailure.NotFound => ExitCodes.NotFound,
                BackupFailure.NotADataFolder or BackupFailure.NotABackup => ExitCodes.Usage,
                _ => ExitCodes.Failure,
            });
        }
    }

    private static void Report(ParseResult parseResult, BackupManifest manifest, string what)
    {
        if (parseResult.GetValue(CommonOptions.Json))
        {
            JsonOutput.WriteLine(new { manifest.CreatedAt, manifest.SchemaVersion, Files = manifest.Files.Count, Bytes = manifest.Files.Sum(f => f.Bytes) });
        }
        else
        {
            Console.Out.WriteLine($"{what}: {manifest.Files.Count} files, {manifest.Files.Sum(f => f.Bytes)} bytes, schema version {manifest.SchemaVersion}.");
        }
    }
}
