using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary><c>agentrag backup</c> of a folder a running server is writing to, and <c>agentrag restore</c>, as child processes.</summary>
public sealed class BackupRestoreCommandTests : IDisposable
{
    private const string Question = "What does the url.parse function do?";
    private readonly TempDirectory _root = new("agentrag-backup");

    public void Dispose() => _root.Dispose();

    private string Folder(string name) => Path.Combine(_root.Path, name);

    [Fact]
    public async Task Backup_WhileQueriesAndUploadsRun_RestoresIntoANewFolderThatAnswersWithTheSameCitations()
    {
        var data = Folder("live");
        var ingest = await CliProcess.RunAsync(["ingest", SharedPaths.CorpusFile("nodejs-url.md"), "--data", data, "--json"]);
        ingest.ExitCode.ShouldBe(0, ingest.ToString());
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        List<string> liveCitations;
        int uploadedBeforeBackup;
        await using (var server = CliProcess.Start(["serve", "--urls", url, "--data", data, "--log-format", "text"]))
        {
            await server.WaitForOutputAsync(line => line.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
            liveCitations = Citations(await AskAsync(http));

            // Load: queries on the default tenant, uploads to another (so the default tenant's answer cannot change).
            using var stop = new CancellationTokenSource();
            var uploads = 0;
            var load = Task.WhenAll(
                Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        (await http.PostAsJsonAsync("/v1/queries", new { query = "How do I resolve a relative URL?" })).EnsureSuccessStatusCode();
                    }
                }),
                Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        using var content = new MultipartFormDataContent();
                        var file = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes($"Load note {uploads}: the backup ran while this was uploaded. {Guid.NewGuid()}"));
                        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
                        content.Add(file, "files", $"load-{uploads}.txt");
                        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/documents") { Content = content };
                        request.Headers.Add("X-Tenant-ID", "load");
                        (await http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
                        Interlocked.Increment(ref uploads);
                    }
                }));
            while (Volatile.Read(ref uploads) < 3)
            {
                await Task.Delay(50);
            }

            uploadedBeforeBackup = Volatile.Read(ref uploads);
            var backup = await CliProcess.RunAsync(["backup", "--to", Folder("backup"), "--data", data]);
            await stop.CancelAsync();
            await load;

            backup.ExitCode.ShouldBe(0, backup.ToString());
            backup.StandardOutput.ShouldContain("Backed up");
            await server.TerminateAsync(TimeSpan.FromMinutes(1));
        }

        var restored = Folder("restored");
        var restore = await CliProcess.RunAsync(["restore", "--from", Folder("backup"), "--data", restored, "--json"]);
        restore.ExitCode.ShouldBe(0, restore.ToString());
        JsonDocument.Parse(restore.StandardOutput).RootElement.GetProperty("schemaVersion").GetInt32().ShouldBe(AgentRag.Storage.Sqlite.Schema.StoreSchema.Migrations.Count);

        var ask = await CliProcess.RunAsync(["ask", Question, "--data", restored, "--json"]);
        ask.ExitCode.ShouldBe(0, ask.ToString());
        var restoredCitations = Citations(JsonDocument.Parse(ask.StandardOutput).RootElement);
        restoredCitations.ShouldNotBeEmpty();
        restoredCitations.ShouldBe(liveCitations);
        var loadDocuments = await CliProcess.RunAsync(["docs", "list", "--tenant", "load", "--data", restored, "--json"]);
        loadDocuments.ExitCode.ShouldBe(0, loadDocuments.ToString());
        loadDocuments.StandardOutput.Split("load-", StringSplitOptions.None).Length.ShouldBeGreaterThan(uploadedBeforeBackup, loadDocuments.StandardOutput);
    }

    [Fact]
    public async Task Restore_MissingDamagedOrNotABackupOrTargetInUse_RefusesWithItsExitCodeAndWritesNothing()
    {
        var data = Folder("data");
        (await CliProcess.RunAsync(["docs", "list", "--data", data])).ExitCode.ShouldBe(0);
        (await CliProcess.RunAsync(["backup", "--to", Folder("backup"), "--data", data])).ExitCode.ShouldBe(0);

        var missing = await CliProcess.RunAsync(["restore", "--from", Folder("nowhere"), "--data", Folder("a")]);
        missing.ExitCode.ShouldBe(4, missing.ToString());
        var notABackup = await CliProcess.RunAsync(["restore", "--from", data, "--data", Folder("a")]);
        notABackup.ExitCode.ShouldBe(2, notABackup.ToString());
        notABackup.StandardError.ShouldContain("has no manifest.json");
        var inUse = await CliProcess.RunAsync(["restore", "--from", Folder("backup"), "--data", data]);
        inUse.ExitCode.ShouldBe(1, inUse.ToString());
        inUse.StandardError.ShouldContain("is not empty; choose a new folder, or give --force");
        var backupNotEmpty = await CliProcess.RunAsync(["backup", "--to", Folder("backup"), "--data", data]);
        backupNotEmpty.ExitCode.ShouldBe(1, backupNotEmpty.ToString());

        await using (var database = File.Open(Path.Combine(Folder("backup"), "agentrag.db"), FileMode.Open))
        {
            database.Position = 100;
            database.WriteByte(0x5A);
        }

        var damaged = await CliProcess.RunAsync(["restore", "--from", Folder("backup"), "--data", Folder("a")]);
        damaged.ExitCode.ShouldBe(1, damaged.ToString());
        damaged.StandardError.ShouldContain("agentrag.db is not what the manifest says");
        Directory.Exists(Folder("a")).ShouldBeFalse();
        Directory.EnumerateFileSystemEntries(_root.Path).Select(Path.GetFileName).ShouldBe(["backup", "data"], ignoreOrder: true);
    }

    private static async Task<JsonElement> AskAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/v1/queries", new { query = Question });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    private static List<string> Citations(JsonElement answer) =>
        [.. answer.GetProperty("citations").EnumerateArray().Select(c => $"{c.GetProperty("documentId").GetString()} {c.GetProperty("quote").GetString()}")];
}
