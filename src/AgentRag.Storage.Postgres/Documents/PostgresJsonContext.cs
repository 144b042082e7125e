using System.Text.Json.Serialization;
using AgentRag.Core.Documents;

namespace AgentRag.Storage.Postgres.Documents;

/// <summary>Source-generated JSON for the document store's JSON columns (the same shapes the embedded store writes).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DocumentMetadata))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(int[][]))]
internal sealed partial class PostgresJsonContext : JsonSerializerContext;
