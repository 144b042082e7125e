using System.Net;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Events;
using AgentRag.Hosting;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Runtime.Dapr.Tests.Sidecar;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRag.Runtime.Dapr.Tests;

/// <summary>
/// The app as a Dapr shop runs it: the product's composition root (<see cref="Hosting.DependencyInjection.AddAgentRag"/>
/// over SQLite and <c>AgentRag:Runtime=dapr</c>) in a web host on a loopback port, with the Dapr endpoints mapped
/// (<see cref="DependencyInjection.MapDaprRuntime"/>) and the sidecar double as its sidecar, which it connects to at
/// start. Dispose to tear the process down (the sidecar keeps the actors' state and reminders); a new instance on the same
/// folder and sidecar is the restarted app.
/// </summary>
public sealed class DaprApp : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly DaprSidecarDouble _sidecar;

    private DaprApp(WebApplication web, DaprSidecarDouble sidecar, Uri url)
    {
        _web = web;
        _sidecar = sidecar;
        Url = url;
    }

    public Uri Url { get; }

    public IServiceProvider Services => _web.Services;

    public WorkflowService Workflows => Services.GetRequiredService<WorkflowService>();

    public ApprovalService Approvals => Services.GetRequiredService<ApprovalService>();

    public IEventLog EventLog => Services.GetRequiredService<IEventLog>();

    public static async Task<DaprApp> StartAsync(string dataPath, DaprSidecarDouble sidecar, TimeProvider time, IDictionary<string, string?>? settings = null)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var configuration = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
        {
            ["AgentRag:Dapr:HttpEndpoint"] = sidecar.HttpEndpoint.ToString().TrimEnd('/'),
            ["AgentRag:Dapr:GrpcEndpoint"] = sidecar.GrpcEndpoint.ToString().TrimEnd('/'),
        };
        builder.Configuration.AddInMemoryCollection(EmbeddingTestSettings.Apply(configuration));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(time);
        builder.Services.AddAgentRag(backends => backends.UseSqlite(new DataFolder(dataPath)).UseDaprRuntime());
        var web = builder.Build();
        web.MapDaprRuntime();
        await web.StartAsync();
        var url = new Uri($"http://127.0.0.1:{port}/");
        await sidecar.ConnectAppAsync(url);
        return new DaprApp(web, sidecar, url);
    }

    /// <summary>
    /// Ingests <paramref name="files"/> (names in <c>../shared/corpus</c>) for the default tenant, embedding them when an
    /// embedding model is configured; throws naming a file that did not become ready.
    /// </summary>
    public async Task IngestAsync(params string[] files)
    {
        var ingestion = Services.GetRequiredService<DocumentIngestionService>();
        foreach (var file in files)
        {
            var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, SharedPaths.CorpusFile(file));
            var document = await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id);
            if (document?.Status != Core.Documents.DocumentStatus.Ready)
            {
                throw new InvalidOperationException($"{file} did not ingest: {document?.Error}");
            }

            // With an embedding model, the semantic stage the server's EmbeddingWorker runs after ready runs here.
            var embedding = Services.GetRequiredService<DocumentEmbeddingService>();
            if (embedding.IsEnabled && await embedding.EmbedAsync(Tenancy.DefaultTenant, document.Id) is { } embedded && !embedded.IsEmbeddedWith(embedding.Model!))
            {
                throw new InvalidOperationException($"{file} was not embedded: {embedded.EmbeddedChunks}/{embedded.ChunkCount} chunks.");
            }
        }
    }

    /// <summary>Waits (at most 30 s) for the first event of the workflow's stream that <paramref name="match"/> accepts, from the start.</summary>
    public async Task<StoredEvent> WaitForEventAsync(string workflowId, Func<StoredEvent, bool> match)
    {
        var stream = WorkflowEvents.StreamId(workflowId);
        using var subscription = EventLog.Subscribe(Tenancy.DefaultTenant, stream);
        var backlog = await EventLog.ReadAsync(Tenancy.DefaultTenant, stream, 0, 100_000);
        if (backlog.FirstOrDefault(match) is { } found)
        {
            return found;
        }

        await foreach (var stored in subscription.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
        {
            if (match(stored))
            {
                return stored;
            }
        }

        throw new InvalidOperationException("The subscription ended.");
    }

    /// <summary>Every event of the workflow once its stream has ended (at most 30 s).</summary>
    public async Task<IReadOnlyList<StoredEvent>> WaitForEndAsync(string workflowId)
    {
        await WaitForEventAsync(workflowId, WorkflowEvents.IsFinal);
        return await EventLog.ReadAsync(Tenancy.DefaultTenant, WorkflowEvents.StreamId(workflowId), 0, 100_000);
    }

    public async ValueTask DisposeAsync()
    {
        _sidecar.DisconnectApp();
        await _web.StopAsync();
        await _web.DisposeAsync();
    }
}
