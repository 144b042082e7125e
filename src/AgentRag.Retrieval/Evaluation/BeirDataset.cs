using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace AgentRag.Retrieval.Evaluation;

/// <summary>A BEIR corpus document.</summary>
public sealed record BeirDocument(string Id, string Title, string Text)
{
    /// <summary>The single field Anserini's "flat" BEIR indexes use: title, a space, text.</summary>
    public string FlatText => Title.Length == 0 ? Text : Title + " " + Text;
}

/// <summary>A BEIR query.</summary>
public sealed record BeirQuery(string Id, string Text);

/// <summary>
/// A dataset in BEIR format: <c>corpus.jsonl</c> (<c>_id</c>, <c>title</c>, <c>text</c>), <c>queries.jsonl</c>
/// (<c>_id</c>, <c>text</c>) and <c>qrels/&lt;split&gt;.tsv</c> (header, then query-id, corpus-id, score).
/// </summary>
public sealed class BeirDataset
{
    private BeirDataset(
        string name, string corpusHash, IReadOnlyList<BeirDocument> corpus, IReadOnlyList<BeirQuery> queries, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> qrels)
    {
        Name = name;
        CorpusHash = corpusHash;
        Corpus = corpus;
        Queries = queries;
        Qrels = qrels;
    }

    /// <summary>The dataset folder's name, e.g. <c>scifact</c>.</summary>
    public string Name { get; }

    /// <summary>SHA-256 of <c>corpus.jsonl</c> (lowercase hex): an edited corpus has another, so its cached embeddings are its own.</summary>
    public string CorpusHash { get; }

    public IReadOnlyList<BeirDocument> Corpus { get; }

    /// <summary>The queries that have judgments in the split, in file order.</summary>
    public IReadOnlyList<BeirQuery> Queries { get; }

    /// <summary>Judgments: query id → (document id → grade).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Qrels { get; }

    /// <summary>
    /// Every query of the folder's <c>queries.jsonl</c>, judged or not (e.g. as load for a latency benchmark). Throws
    /// what <see cref="LoadAsync"/> throws for that file.
    /// </summary>
    public static async Task<IReadOnlyList<BeirQuery>> LoadQueriesAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"BEIR dataset folder '{directory}' does not exist.");
        }

        var queriesPath = RequireFile(Path.Combine(directory, "queries.jsonl"));
        var queries = new List<BeirQuery>();
        await foreach (var (line, element) in ReadJsonLinesAsync(queriesPath, cancellationToken))
        {
            queries.Add(new BeirQuery(RequireString(element, "_id", queriesPath, line), OptionalString(element, "text")));
        }

        return queries;
    }

    /// <summary>
    /// Loads the dataset. Throws <see cref="DirectoryNotFoundException"/>/<see cref="FileNotFoundException"/> naming
    /// the missing path, and <see cref="InvalidDataException"/> naming file and line for malformed content.
    /// </summary>
    public static async Task<BeirDataset> LoadAsync(string directory, string split = "test", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(split);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"BEIR dataset folder '{directory}' does not exist.");
        }

        var corpusPath = RequireFile(Path.Combine(directory, "corpus.jsonl"));
        var queriesPath = RequireFile(Path.Combine(directory, "queries.jsonl"));
        var qrelsPath = RequireFile(Path.Combine(directory, "qrels", split + ".tsv"));

        var qrels = await ReadQrelsAsync(qrelsPath, cancellationToken);
        var corpus = new List<BeirDocument>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (line, element) in ReadJsonLinesAsync(corpusPath, cancellationToken))
        {
            var id = RequireString(element, "_id", corpusPath, line);
            if (!ids.Add(id))
            {
                throw new InvalidDataException($"{corpusPath}:{line}: duplicate document _id '{id}'.");
            }

            corpus.Add(new BeirDocument(id, OptionalString(element, "title"), OptionalString(element, "text")));
        }

        var queries = new List<BeirQuery>();
        await foreach (var (line, element) in ReadJsonLinesAsync(queriesPath, cancellationToken))
        {
            var id = RequireString(element, "_id", queriesPath, line);
            if (qrels.ContainsKey(id))
            {
                queries.Add(new BeirQuery(id, OptionalString(element, "text")));
            }
        }

        string corpusHash;
        await using (var corpusFile = File.OpenRead(corpusPath))
        {
            corpusHash = Convert.ToHexStringLower(await SHA256.HashDataAsync(corpusFile, cancellationToken));
        }

        return new BeirDataset(new DirectoryInfo(directory).Name, corpusHash, corpus, queries, qrels);
    }

    private static string RequireFile(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"BEIR dataset file '{path}' does not exist.", path);

    private static async Task<Dictionary<string, IReadOnlyDictionary<string, int>>> ReadQrelsAsync(string path, CancellationToken cancellationToken)
    {
        var qrels = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("query-id", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var parts = line.Split('\t');
            if (parts.Length != 3 || !int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var grade))
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected 'query-id<TAB>corpus-id<TAB>integer score', got '{line}'.");
            }

            if (!qrels.TryGetValue(parts[0], out var judgments))
            {
                qrels[parts[0]] = judgments = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            judgments[parts[1]] = grade;
        }

        return qrels.ToDictionary(q => q.Key, q => (IReadOnlyDictionary<string, int>)q.Value, StringComparer.Ordinal);
    }

    private static async IAsyncEnumerable<(int Line, JsonElement Element)> ReadJsonLinesAsync(
        string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path);
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonElement element;
            try
            {
                using var document = JsonDocument.Parse(line);
                element = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: invalid JSON: {e.Message}", e);
            }

            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected a JSON object.");
            }

            yield return (lineNumber, element);
        }
    }

    private static string RequireString(JsonElement element, string property, string path, int line) =>
        element.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? value.ToString()
            : throw new InvalidDataException($"{path}:{line}: missing string property '{property}'.");

    private static string OptionalString(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";
}
