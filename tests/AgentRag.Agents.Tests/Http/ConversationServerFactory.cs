using AgentRag.Core;
using AgentRag.Ingestion.Pipeline;
using AgentRag.Server.Hosting;
using AgentRag.TestKit;
using AgentRag.TestKit.OpenAi;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Agents.Tests.Http;

/// <summary>
/// The real server over a temp data folder with R-data.pdf and R-intro.pdf ingested for the default tenant: model-free,
/// or with the given extra settings (e.g. a loopback model).
/// </summary>
public sealed class ConversationServerFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly TempDirectory _data = new("agentrag-conversations");
    private readonly IReadOnlyDictionary<string, string?> _settings;

    public ConversationServerFactory()
        : this(new Dictionary<string, string?>())
    {
    }

    internal ConversationServerFactory(IReadOnlyDictionary<string, string?> settings) => _settings = settings;

    /// <summary>
    /// Started over <paramref name="model"/> as the chat model (profile <c>primary</c>, model <c>primary-model</c>, no
    /// retries, so each scripted failure is one request), with <paramref name="extra"/> settings on top.
    /// </summary>
    internal static async Task<ConversationServerFactory> StartWithModelAsync(OpenAiTestServer model, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["OPENAI_BASE_URL"] = model.BaseUrl.ToString(),
            ["AGENTRAG_CHAT_MODEL"] = "primary-model",
            ["AgentRag:Models:Resilience:MaxRetries"] = "0",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var server = new ConversationServerFactory(settings);
        await ((IAsyncLifetime)server).InitializeAsync();
        return server;
    }

    public async Task InitializeAsync()
    {
        var ingestion = Services.GetRequiredService<DocumentIngestionService>();
        foreach (var file in new[] { "R-data.pdf", "R-intro.pdf" })
        {
            var submitted = await ingestion.SubmitFileAsync(Tenancy.DefaultTenant, SharedPaths.CorpusFile(file));
            var document = await ingestion.ProcessAsync(Tenancy.DefaultTenant, submitted.Document.Id);
            if (document?.Status != Core.Documents.DocumentStatus.Ready)
            {
                throw new InvalidOperationException($"{file} did not ingest: {document?.Error}");
            }
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(AgentRagWebApplicationExtensions.DataKey, _data.Path);
        builder.UseSetting("log-format", "text");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    Task IAsyncLifetime.DisposeAsync()
    {
        Dispose();
        _data.Dispose();
        return Task.CompletedTask;
    }
}
