using System.Text.Json;
using Shouldly;

namespace AgentRag.TestKit;

/// <summary>A small real BEIR dataset for tests: a slice of SciFact in BEIR format.</summary>
public static class SciFactSlice
{
    /// <summary>
    /// Writes <paramref name="count"/> SciFact abstracts from <paramref name="skip"/> on into <paramref name="directory"/>
    /// (corpus.jsonl, queries.jsonl, qrels/test.tsv), with the test queries judged only against them, and returns the folder.
    /// </summary>
    public static string Write(string directory, int skip, int count = 300)
    {
        Directory.CreateDirectory(Path.Combine(directory, "qrels"));
        var corpus = File.ReadLines(Path.Combine(SharedPaths.SciFact, "corpus.jsonl")).Skip(skip).Take(count).ToList();
        var ids = corpus.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("_id").GetString()!).ToHashSet(StringComparer.Ordinal);
        var qrels = File.ReadLines(Path.Combine(SharedPaths.SciFact, "qrels", "test.tsv")).Skip(1)
            .Select(line => line.Split('\t'))
            .GroupBy(parts => parts[0])
            .Where(query => query.All(parts => ids.Contains(parts[1])))
            .SelectMany(query => query)
            .ToList();
        var queryIds = qrels.Select(parts => parts[0]).ToHashSet(StringComparer.Ordinal);
        queryIds.Count.ShouldBeGreaterThan(5, directory);
        File.WriteAllLines(Path.Combine(directory, "corpus.jsonl"), corpus);
        File.WriteAllLines(Path.Combine(directory, "queries.jsonl"), File.ReadLines(Path.Combine(SharedPaths.SciFact, "queries.jsonl"))
            .Where(line => queryIds.Contains(JsonDocument.Parse(line).RootElement.GetProperty("_id").GetString()!)));
        File.WriteAllLines(Path.Combine(directory, "qrels", "test.tsv"), ["query-id\tcorpus-id\tscore", .. qrels.Select(parts => string.Join('\t', parts))]);
        return directory;
    }
}
