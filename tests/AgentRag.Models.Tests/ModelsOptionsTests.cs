using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.TestKit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Tests;

public sealed class ModelsOptionsTests
{
    [Fact]
    public async Task AddModels_NoModelSettingsAndEmbeddingsOff_RunsModelFreeAndCallsNameTheSetting()
    {
        using var data = new TempDirectory();
        await using var services = ModelHarness.Build(
            [new("AgentRag:Prompts:Directory", ModelHarness.RepoPrompts), new("AgentRag:Embeddings:Provider", "none")], new ManualTimeProvider(), new CapturedLogs(), data.Path);
        services.GetRequiredService<IStartupValidator>().Validate();

        var catalog = services.GetRequiredService<ModelCatalog>();
        catalog.IsChatAvailable.ShouldBeFalse();
        catalog.IsEmbeddingAvailable.ShouldBeFalse();
        catalog.Profiles.ShouldBeEmpty();
        catalog.ChatUnavailableReason.ShouldNotBeNull().ShouldContain("AGENTRAG_CHAT_MODEL");

        var chat = await Should.ThrowAsync<ModelUnavailableException>(() =>
            services.GetRequiredService<IChatClient>().GetResponseAsync(ModelHarness.Ask("hello")));
        chat.Message.ShouldContain("OPENAI_BASE_URL");
        var embed = await Should.ThrowAsync<ModelUnavailableException>(() =>
            services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["x"]));
        embed.Message.ShouldContain("AGENTRAG_EMBEDDING_MODEL");
    }

    [Fact]
    public async Task AddModels_NoModelSettings_EmbeddingsAreTheLocalModelWhichNeedsItsAdapter()
    {
        using var data = new TempDirectory();
        await using var services = ModelHarness.Build(
            [new("AgentRag:Prompts:Directory", ModelHarness.RepoPrompts), new("AgentRag:Embeddings:Provider", null)], new ManualTimeProvider(), new CapturedLogs(), data.Path);
        services.GetRequiredService<IStartupValidator>().Validate();

        var catalog = services.GetRequiredService<ModelCatalog>();
        catalog.IsChatAvailable.ShouldBeFalse();
        catalog.IsEmbeddingAvailable.ShouldBeTrue();
        var embedding = catalog.Profiles.ShouldHaveSingleItem();
        embedding.Name.ShouldBe("embedding");
        embedding.IsLocal.ShouldBeTrue();
        embedding.Model.ShouldBe("sentence-transformers/all-MiniLM-L6-v2");
        embedding.Prices.ShouldBe(ModelPrices.Free);
        embedding.QueryPrefix.ShouldBeEmpty();
        // AddModels alone does not register the ONNX adapter (AgentRag.Models.Local): the call says so.
        var embed = await Should.ThrowAsync<ModelUnavailableException>(() =>
            services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["x"]));
        embed.Message.ShouldContain("AddLocalEmbeddings");
        embed.Message.ShouldContain("AgentRag:Embeddings:Provider");
    }

    [Fact]
    public void Resolve_EmbeddingProviderUnset_RemoteEmbeddingModelWinsOverLocal()
    {
        var catalog = CatalogFrom(new() { ["OPENAI_BASE_URL"] = "http://localhost:11434/v1", ["AGENTRAG_EMBEDDING_MODEL"] = "nomic-embed-text" });

        catalog.Get("embedding").IsLocal.ShouldBeFalse();
        catalog.Get("embedding").Model.ShouldBe("nomic-embed-text");
    }

    [Fact]
    public void Resolve_EmbeddingProviderLocalWithArctic_LocalProfileWithTheQueryPrefixReplacesTheRemoteOne()
    {
        var catalog = CatalogFrom(new()
        {
            ["AGENTRAG_EMBEDDING_MODEL"] = "nomic-embed-text",
            ["OPENAI_BASE_URL"] = "http://localhost:11434/v1",
            ["AgentRag:Embeddings:Provider"] = "Local",
            ["AgentRag:Embeddings:LocalModel"] = "arctic-xs",
            ["AgentRag:Embeddings:BatchSize"] = "8",
        });

        var embedding = catalog.Get("embedding");
        embedding.IsLocal.ShouldBeTrue();
        embedding.Model.ShouldBe("Snowflake/snowflake-arctic-embed-xs");
        embedding.QueryPrefix.ShouldBe("Represent this sentence for searching relevant passages: ");
        embedding.EmbeddingBatchSize.ShouldBe(8);
        embedding.ToString().ShouldBe("embedding (Snowflake/snowflake-arctic-embed-xs in process)");
        catalog.Profiles.Select(p => p.Name).ShouldBe(["primary", "embedding"]);
    }

    [Fact]
    public void Resolve_EmbeddingProviderNone_NoEmbeddingProfileEvenWhenARemoteOneIsConfigured()
    {
        var catalog = CatalogFrom(new()
        {
            ["OPENAI_BASE_URL"] = "http://localhost:11434/v1",
            ["AGENTRAG_EMBEDDING_MODEL"] = "nomic-embed-text",
            ["AgentRag:Embeddings:Provider"] = "none",
        });

        catalog.IsEmbeddingAvailable.ShouldBeFalse();
        catalog.Profiles.Select(p => p.Name).ShouldBe(["primary"]);
    }

    [Theory]
    [InlineData("AgentRag:Embeddings:Provider", "onnx", "AgentRag:Embeddings:Provider 'onnx' is not a provider: use one of local, openai, none.")]
    [InlineData("AgentRag:Embeddings:LocalModel", "bge-small", "AgentRag:Embeddings:LocalModel 'bge-small' is not a local model: use one of minilm, arctic-xs.")]
    [InlineData("AgentRag:Embeddings:Provider", "openai",
        "AgentRag:Embeddings:Provider is 'openai' but no embedding model is configured: set AGENTRAG_EMBEDDING_MODEL or AgentRag:Models:Profiles:embedding:Model (and OPENAI_BASE_URL), or use 'local'.")]
    [InlineData("AgentRag:Embeddings:BatchSize", "0", "AgentRag:Embeddings:BatchSize")]
    public void Validate_BadEmbeddingSetting_FailsNamingIt(string key, string value, string expected)
    {
        var error = Should.Throw<OptionsValidationException>(() => CatalogFrom(new() { [key] = value }));

        error.Failures.ShouldContain(f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_EnvironmentShortcuts_FillProfilesButExplicitSettingsWin()
    {
        var catalog = CatalogFrom(new()
        {
            ["OPENAI_BASE_URL"] = "http://localhost:11434/v1",
            ["OPENAI_API_KEY"] = "sk-env",
            ["AGENTRAG_CHAT_MODEL"] = "llama3.1",
            ["AGENTRAG_CHEAP_MODEL"] = "llama3.2:1b",
            ["AGENTRAG_EMBEDDING_MODEL"] = "nomic-embed-text",
            ["AgentRag:Models:Profiles:cheap:Model"] = "qwen2.5:0.5b",
            ["AgentRag:Models:Profiles:fallback:Model"] = "gpt-4o-mini",
            ["AgentRag:Models:Profiles:fallback:Endpoint"] = "https://api.openai.com/v1",
            ["AgentRag:Models:Profiles:fallback:ApiKey"] = "sk-explicit",
            ["AgentRag:Models:Profiles:fallback:Timeout"] = "00:00:20",
        });

        catalog.Profiles.Select(p => p.Name).ShouldBe(["primary", "fallback", "cheap", "embedding"]);
        catalog.Get("primary").Model.ShouldBe("llama3.1");
        catalog.Get("primary").Endpoint.ShouldBe(new Uri("http://localhost:11434/v1"));
        catalog.Get("cheap").Model.ShouldBe("qwen2.5:0.5b");
        catalog.Get("embedding").Model.ShouldBe("nomic-embed-text");
        catalog.Get("embedding").Timeout.ShouldBe(TimeSpan.FromSeconds(30));
        var fallback = catalog.Get("fallback");
        fallback.Endpoint.ShouldBe(new Uri("https://api.openai.com/v1"));
        fallback.Timeout.ShouldBe(TimeSpan.FromSeconds(20));
        fallback.Prices.ShouldBe(KnownModelPrices.Find("gpt-4o-mini"));
        catalog.Get("primary").Prices.ShouldBe(ModelPrices.Free);
        catalog.IsChatAvailable.ShouldBeTrue();
    }

    [Fact]
    public void Resolve_OnlyBaseUrl_ConfiguresPrimaryWithTheDefaultChatModel()
    {
        var catalog = CatalogFrom(new() { ["OPENAI_BASE_URL"] = "http://127.0.0.1:8080/v1" });

        catalog.Profiles.Select(p => p.Name).ShouldBe(["primary", "embedding"]);
        catalog.Get("primary").Model.ShouldBe("gpt-4o-mini");
        catalog.Get("primary").HasApiKey.ShouldBeFalse();
        catalog.Get("embedding").IsLocal.ShouldBeTrue(); // no remote embedding model: the in-process one
    }

    [Fact]
    public void Validate_EndpointNotAUrl_NamesTheEnvironmentVariableAndSetting()
    {
        var error = Should.Throw<OptionsValidationException>(() => CatalogFrom(new() { ["OPENAI_BASE_URL"] = "localhost:11434" }));

        error.Message.ShouldContain("OPENAI_BASE_URL (AgentRag:Models:Endpoint) 'localhost:11434' is not an absolute http(s) URL");
    }

    [Fact]
    public void Validate_OpenAiWithoutKey_NamesTheApiKeySettings()
    {
        var error = Should.Throw<OptionsValidationException>(() => CatalogFrom(new() { ["AGENTRAG_CHAT_MODEL"] = "gpt-4o" }));

        error.Message.ShouldContain("AgentRag:Models:Profiles:primary:ApiKey is required");
        error.Message.ShouldContain("OPENAI_API_KEY");
    }

    [Fact]
    public void Validate_ApiKeyFileMissing_NamesTheSettingAndFile()
    {
        var error = Should.Throw<OptionsValidationException>(() => CatalogFrom(new()
        {
            ["AgentRag:Models:Profiles:primary:Model"] = "gpt-4o",
            ["AgentRag:Models:Profiles:primary:ApiKeyFile"] = "/nonexistent/openai.key",
        }));

        error.Message.ShouldContain("AgentRag:Models:Profiles:primary:ApiKeyFile: cannot read the API key file '/nonexistent/openai.key'");
    }

    [Fact]
    public void Resolve_ApiKeyFile_ReadsTheFirstLine()
    {
        using var data = new TempDirectory();
        var keyFile = data.Combine("key.txt");
        File.WriteAllText(keyFile, "sk-from-file\nignored\n");

        var catalog = CatalogFrom(new() { ["AgentRag:Models:Profiles:primary:Model"] = "gpt-4o", ["AgentRag:Models:Profiles:primary:ApiKeyFile"] = keyFile });

        catalog.Get("primary").HasApiKey.ShouldBeTrue();
        catalog.Get("primary").ToString().ShouldNotContain("sk-from-file");
    }

    [Fact]
    public void Validate_ProfileWithSettingsButNoModel_NamesTheModelSetting()
    {
        var error = Should.Throw<OptionsValidationException>(() => CatalogFrom(new()
        {
            ["OPENAI_BASE_URL"] = "http://127.0.0.1:1/v1",
            ["AgentRag:Models:Profiles:rerank:InputPricePer1M"] = "0.1",
        }));

        error.Message.ShouldContain("AgentRag:Models:Profiles:rerank:Model is required");
    }

    [Fact]
    public async Task Validate_AtStartup_ReportsBadBudgetAndDowngradeWithoutCheap()
    {
        using var data = new TempDirectory();
        await using var services = ModelHarness.Build(
            [
                new("OPENAI_BASE_URL", "http://127.0.0.1:1/v1"),
                new("AgentRag:Models:Budgets:OnExceeded", "Downgrade"),
                new("AgentRag:Models:Budgets:WarningThreshold", "1.5"),
                new("AgentRag:Models:Resilience:MaxRetries", "50"),
                new("AgentRag:Prompts:Directory", ModelHarness.RepoPrompts),
            ], new ManualTimeProvider(), new CapturedLogs(), data.Path);

        var error = Should.Throw<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        error.Message.ShouldContain("AgentRag:Models:Budgets:WarningThreshold");
        error.Message.ShouldContain("AgentRag:Models:Resilience:MaxRetries");
        error.Message.ShouldContain("AgentRag:Models:Budgets:OnExceeded is Downgrade but no 'cheap' profile is configured");
    }

    [Fact]
    public async Task Chat_ApiKeyConfigured_SendsItAsBearerAndNeverLogsIt()
    {
        await using var harness = await ModelHarness.StartAsync(
            settings => settings["OPENAI_API_KEY"] = "sk-test-secret-123",
            server => server.RequiredApiKey = "sk-test-secret-123");
        harness.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList()
            .ForEach(s => s.StartAsync(CancellationToken.None).GetAwaiter().GetResult());

        var response = await harness.Chat.GetResponseAsync(ModelHarness.Ask("ping"));

        response.Text.ShouldBe("Echo: ping");
        harness.Server.Requests.Single().Authorization.ShouldBe("Bearer sk-test-secret-123");
        harness.Logs.All.ShouldContain("Model profile primary: gpt-primary");
        harness.Logs.All.ShouldNotContain("sk-test-secret-123");
    }

    [Fact]
    public async Task Chat_ApiKeyHeaderConfigured_SendsKeyInThatHeaderOnly()
    {
        await using var harness = await ModelHarness.StartAsync(
            settings =>
            {
                settings["OPENAI_API_KEY"] = "azure-key";
                settings["AgentRag:Models:ApiKeyHeader"] = "api-key";
            },
            server => server.RequiredApiKey = "azure-key");

        await harness.Chat.GetResponseAsync(ModelHarness.Ask("ping"));

        var request = harness.Server.Requests.Single();
        request.ApiKeyHeader.ShouldBe("azure-key");
        request.Authorization.ShouldBeNull();
    }

    [Fact]
    public async Task Chat_NoApiKey_SendsNoAuthorizationHeader()
    {
        await using var harness = await ModelHarness.StartAsync();

        await harness.Chat.GetResponseAsync(ModelHarness.Ask("ping"));

        harness.Server.Requests.Single().Authorization.ShouldBeNull();
    }

    private static ModelCatalog CatalogFrom(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new ModelsOptions();
        new ModelsOptionsSetup(configuration).Configure(options);
        var embeddings = new EmbeddingsOptions();
        configuration.GetSection(EmbeddingsOptions.SectionName).Bind(embeddings);
        var result = new ModelsOptionsValidator(Options.Create(embeddings)).Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ModelsOptions), result.Failures);
        }

        return ModelCatalog.Create(options, embeddings);
    }
}
