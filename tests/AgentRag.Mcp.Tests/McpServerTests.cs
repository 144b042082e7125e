using System.Text.Json;
using AgentRag.TestKit;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static AgentRag.Mcp.Tests.ToolResults;

namespace AgentRag.Mcp.Tests;

/// <summary>The platform's MCP server as an MCP client sees it, over stdio (<c>agentrag mcp</c>) and HTTP (<c>/mcp</c>).</summary>
public sealed class McpServerTests(McpCorpus corpus) : IClassFixture<McpCorpus>
{
    public static TheoryData<string> Transports => ["stdio", "http"];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ListTools_NoEmbeddingsOrReranker_OffersSearchAskAndDocumentToolsWithSchemas(string transport)
    {
        await using var client = await corpus.ConnectAsync(transport);

        var tools = await client.ListToolsAsync();

        tools.Select(t => t.Name).ShouldBe(["search", "keyword_search", "ask", "list_documents", "get_document", "get_chunk", "calculator"], ignoreOrder: true);
        foreach (var tool in tools.Where(t => t.Name != "ask"))
        {
            tool.Description.Length.ShouldBeGreaterThan(60, tool.Name);
            tool.JsonSchema.GetProperty("type").GetString().ShouldBe("object", tool.Name);
            tool.JsonSchema.GetProperty("properties").EnumerateObject().ShouldNotBeEmpty(tool.Name);
            tool.ProtocolTool.Annotations!.ReadOnlyHint.ShouldBe(true, tool.Name);
        }

        var search = tools.Single(t => t.Name == "search").JsonSchema;
        search.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ShouldBe(["query"]);
        search.GetProperty("properties").GetProperty("k").GetProperty("maximum").GetInt32().ShouldBe(50);
        client.ServerInfo!.Name.ShouldBe("agentrag");
        client.ServerCapabilities.Resources.ShouldNotBeNull();
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallSearch_ImportDataFromASpreadsheet_RDataIsInTheTopFive(string transport)
    {
        await using var client = await corpus.ConnectAsync(transport);

        var result = (await client.CallToolAsync("search", Args(("query", "import data from a spreadsheet"), ("k", 5)))).Json();

        var hits = result.GetProperty("hits").EnumerateArray().ToList();
        hits.Count.ShouldBe(5);
        hits.ShouldContain(h => h.GetProperty("documentName").GetString() == "R-data.pdf");
        result.GetProperty("modes").EnumerateArray().Select(m => m.GetString()).ShouldBe(["bm25"]);
        result.GetProperty("warnings")[0].GetString()!.ShouldContain("BM25 only");
        hits.Select(h => h.GetProperty("rank").GetInt32()).ShouldBe([1, 2, 3, 4, 5]);
        var first = hits[0];
        first.GetProperty("pages").GetArrayLength().ShouldBeGreaterThan(0);
        first.GetProperty("uri").GetString().ShouldBe(
            $"agentrag://documents/{first.GetProperty("documentId").GetString()}/chunks/{first.GetProperty("chunkId").GetString()}");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CallAsk_AssignmentQuestion_RunsTheWorkflowAndCitesRIntroPage14(string transport)
    {
        await using var client = await corpus.ConnectAsync(transport);

        var call = await client.CallToolAsync("ask", Args(("question", "How do I assign a value to a variable in R?")));

        call.IsError.ShouldNotBe(true);
        var result = call.Json();
        result.GetProperty("answer").GetString().ShouldNotBeNullOrWhiteSpace();
        var citations = result.GetProperty("citations").EnumerateArray().ToList();
        citations.ShouldNotBeEmpty();
        citations[0].GetProperty("documentName").GetString().ShouldBe("R-intro.pdf");
        citations[0].GetProperty("pages").EnumerateArray().Select(p => p.GetInt32()).ShouldContain(14);
        citations[0].GetProperty("quote").GetString().ShouldNotBeNullOrWhiteSpace();
        citations[0].GetProperty("uri").GetString()!.ShouldStartWith($"agentrag://documents/{corpus.DocumentIds["R-intro.pdf"]}/chunks/");
        result.GetProperty("extractive").GetBoolean().ShouldBeTrue();

        var empty = await client.CallToolAsync("ask", Args(("question", "   ")));
        empty.IsError.ShouldBe(true);
        empty.Text().ShouldContain("'question' is required");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task KeywordSearch_DocFilterSyntax_OnlyThatDocument(string transport)
    {
        await using var client = await corpus.ConnectAsync(transport);

        var result = (await client.CallToolAsync("keyword_search", Args(("query", "\"read.table\" doc:R-intro.pdf"), ("k", 5)))).Json();

        var hits = result.GetProperty("hits").EnumerateArray().ToList();
        hits.ShouldNotBeEmpty();
        hits.ShouldAllBe(h => h.GetProperty("documentName").GetString() == "R-intro.pdf");
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task GetDocumentAndGetChunk_FromASearchHit_RoundTripTheSamePassage(string transport)
    {
        await using var client = await corpus.ConnectAsync(transport);
        var hit = (await client.CallToolAsync("search", Args(("query", "spreadsheet"), ("k", 1), ("documents", new[] { "R-data.pdf" })))).Json()
            .GetProperty("hits")[0];
        var documentId = hit.GetProperty("documentId").GetString()!;
        var chunkId = hit.GetProperty("chunkId").GetString()!;

        var document = (await client.CallToolAsync("get_document", Args(("id", documentId)))).Json();
        var chunk = (await client.CallToolAsync("get_chunk", Args(("id", chunkId)))).Json();

        documentId.ShouldBe(corpus.DocumentIds["R-data.pdf"]);
        document.GetProperty("document").GetProperty("fileName").GetString().ShouldBe("R-data.pdf");
        document.GetProperty("document").GetProperty("status").GetString().ShouldBe("ready");
        document.GetProperty("document").GetProperty("pageCount").GetInt32().ShouldBe(41);
        var outline = document.GetProperty("chunks").EnumerateArray().ToList();
        outline.Count.ShouldBe(document.GetProperty("document").GetProperty("chunkCount").GetInt32());
        outline.Select(c => c.GetProperty("ordinal").GetInt32()).ShouldBe(Enumerable.Range(0, outline.Count));
        outline.ShouldContain(c => c.GetProperty("id").GetString() == chunkId);
        chunk.GetProperty("text").GetString().ShouldBe(hit.GetProperty("text").GetString());
        chunk.GetProperty("documentName").GetString().ShouldBe("R-data.pdf");
        chunk.GetProperty("pages").EnumerateArray().Select(p => p.GetInt32()).ShouldBe(hit.GetProperty("pages").EnumerateArray().Select(p => p.GetInt32()));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ListDocuments_DefaultTenant_BothManualsNewestFirst(string transport)
    {
        await using var client = await corpus.ConnectAsync(transport);

        var list = (await client.CallToolAsync("list_documents", Args(("status", "ready")))).Json();

        list.GetProperty("total").GetInt32().ShouldBe(2);
        list.GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("fileName").GetString())
            .ShouldBe(["R-data.pdf", "R-intro.pdf"], ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Resources_ListAndRead_DocumentWithItsChunksAndOneChunk(string transport)
    {
        await using var client = await corpus.ConnectAsync(transport);
        var rDataId = corpus.DocumentIds["R-data.pdf"];

        var resources = await client.ListResourcesAsync();
        var templates = await client.ListResourceTemplatesAsync();
        var document = await client.ReadResourceAsync($"agentrag://documents/{rDataId}");

        resources.Select(r => r.Name).ShouldBe(["R-data.pdf", "R-intro.pdf"], ignoreOrder: true);
        resources.ShouldContain(r => r.Uri == $"agentrag://documents/{rDataId}");
        templates.Select(t => t.UriTemplate).ShouldBe(["agentrag://documents/{documentId}", "agentrag://documents/{documentId}/chunks/{chunkId}"], ignoreOrder: true);
        var contents = document.Contents.Cast<TextResourceContents>().ToList();
        contents[0].MimeType.ShouldBe("application/json");
        var detail = JsonDocument.Parse(contents[0].Text).RootElement;
        detail.GetProperty("document").GetProperty("fileName").GetString().ShouldBe("R-data.pdf");
        var chunkCount = detail.GetProperty("document").GetProperty("chunkCount").GetInt32();
        contents.Count.ShouldBe(chunkCount + 1);
        contents.Skip(1).ShouldAllBe(c => c.MimeType == "text/plain" && c.Uri.StartsWith($"agentrag://documents/{rDataId}/chunks/chk_", StringComparison.Ordinal));

        var chunk = contents[5];
        var single = await client.ReadResourceAsync(chunk.Uri);
        single.Contents.Cast<TextResourceContents>().Single().Text.ShouldBe(chunk.Text);
        var chunkId = chunk.Uri[(chunk.Uri.LastIndexOf('/') + 1)..];
        (await client.CallToolAsync("get_chunk", Args(("id", chunkId)))).Json().GetProperty("text").GetString().ShouldBe(chunk.Text);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ToolErrors_BadArgumentsAndUnknownIds_AreToolErrorsWithPreciseSafeMessages(string transport)
    {
        await using var client = await corpus.ConnectAsync(transport);

        var cases = new (string Tool, Dictionary<string, object?> Arguments, string Expected)[]
        {
            ("search", Args(("query", "tables"), ("k", 0)), "Invalid arguments for tool 'search': 'k' must be between 1 and 50; it was 0."),
            ("search", Args(("k", 3)), "Invalid arguments for tool 'search': 'query' is required and must be a non-empty string."),
            ("search", Args(("query", "tables"), ("limit", 3)), "Invalid arguments for tool 'search': unknown argument 'limit'; it takes query, k, documents."),
            ("keyword_search", Args(("query", "\"unclosed phrase")), "Invalid arguments for tool 'keyword_search': Invalid query at position"),
            ("list_documents", Args(("status", "archived")), "'status' must be one of pending, processing, ready, failed; it was 'archived'."),
            ("get_document", Args(("id", "doc_doesnotexist000")), "No document 'doc_doesnotexist000' exists in this knowledge base"),
            ("get_chunk", Args(("id", "chk_doesnotexist000")), "No chunk 'chk_doesnotexist000' exists in this knowledge base"),
        };
        foreach (var (tool, arguments, expected) in cases)
        {
            var result = await client.CallToolAsync(tool, arguments);
            result.IsError.ShouldBe(true, tool);
            result.Text().ShouldContain(expected, Case.Sensitive, tool);
            result.Text().ShouldNotContain(" at AgentRag.");
            result.Text().ShouldNotContain(corpus.DataPath);
        }

        var unknownTool = await Should.ThrowAsync<McpProtocolException>(async () => await client.CallToolAsync("drop_database", Args()));
        unknownTool.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        var unknownResource = await Should.ThrowAsync<McpProtocolException>(async () => await client.ReadResourceAsync("agentrag://documents/doc_doesnotexist000"));
        unknownResource.ErrorCode.ShouldBe(McpErrorCode.ResourceNotFound);
    }

    [Fact]
    public async Task McpCommand_UnknownToolCalled_LoggedAsAWarningWithoutAStackTrace()
    {
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using (var client = await corpus.ConnectStdioAsync(extraArguments: ["--log-format", "text"], standardErrorLines: log.Enqueue))
        {
            var unknownTool = await Should.ThrowAsync<McpProtocolException>(async () => await client.CallToolAsync("drop_database", Args()));
            unknownTool.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
            (await client.CallToolAsync("search", Args(("query", "spreadsheet")))).IsError.ShouldNotBe(true); // the server carries on
        }

        var lines = log.ToList();
        var all = string.Join("\n", lines);
        lines.ShouldContain(l => l.Contains("drop_database", StringComparison.Ordinal), all);
        foreach (var line in lines.Where(l => l.Contains("drop_database", StringComparison.Ordinal)))
        {
            line.ShouldStartWith("warn: ", Case.Sensitive, all);
            line.ShouldContain("Unknown tool: 'drop_database'", Case.Sensitive, all);
        }

        all.ShouldNotContain(" at ModelContextProtocol.", Case.Sensitive, all);
        all.ShouldNotMatch("(?m)^(fail|crit): ", all);
    }

    [Fact]
    public async Task McpCommand_ClientClosesStandardInput_ExitsCleanlyWithNothingButProtocolOnStandardOutput()
    {
        var result = await CliProcess.RunAsync(["mcp", "--data", corpus.DataPath, "--log-level", "Debug", "--log-format", "text"], timeout: TimeSpan.FromMinutes(1));

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldBeEmpty();
    }

    [Fact]
    public async Task McpCommand_MalformedTenant_ExitsWithAUsageError()
    {
        var result = await CliProcess.RunAsync(["mcp", "--data", corpus.DataPath, "--tenant", "no spaces"], timeout: TimeSpan.FromMinutes(1));

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StandardError.ShouldContain("Invalid --tenant 'no spaces'");
        result.StandardOutput.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task OtherTenant_SeesOnlyItsOwnDocuments(string transport)
    {
        await using var client = await corpus.ConnectAsync(transport, McpCorpus.OtherTenant);

        var list = (await client.CallToolAsync("list_documents", Args())).Json();
        var search = (await client.CallToolAsync("search", Args(("query", "import data from a spreadsheet url"), ("k", 10)))).Json();
        var foreignDocument = await client.CallToolAsync("get_document", Args(("id", corpus.DocumentIds["R-data.pdf"])));
        var resources = await client.ListResourcesAsync();

        list.GetProperty("documents").EnumerateArray().Select(d => d.GetProperty("fileName").GetString()).ShouldBe(["nodejs-url.md"]);
        search.GetProperty("hits").EnumerateArray().ShouldAllBe(h => h.GetProperty("documentName").GetString() == "nodejs-url.md");
        foreignDocument.IsError.ShouldBe(true);
        foreignDocument.Text().ShouldContain("No document");
        resources.Select(r => r.Name).ShouldBe(["nodejs-url.md"]);
        await Should.ThrowAsync<McpProtocolException>(async () => await client.ReadResourceAsync($"agentrag://documents/{corpus.DocumentIds["R-data.pdf"]}"));
    }
}
