using System.Data.Common;
using AgentRag.Core.Search;
using AgentRag.Models.Configuration;
using AgentRag.Storage.Sqlite;
using AgentRag.Storage.Sqlite.Embeddings;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Cli.Commands;

/// <summary>
/// The persistent embedding cache of <c>agentrag eval</c>: a <see cref="SqliteEmbeddingCache"/> over a database of its
/// own in <see cref="EmbeddingsOptions.DatasetCacheDirectory"/> (by default <c>$XDG_CACHE_HOME/agentrag</c> or
/// <c>~/.cache/agentrag</c>), registered in place of the data folder's, so a dataset's embeddings outlive the throwaway
/// folder an evaluation runs in and a second run of the same corpus and model embeds nothing. When that folder cannot be
/// created or written, one warning line on standard error says so and the evaluation runs with the data folder's cache
/// (deleted with the folder), never failing for it.
/// </summary>
internal static class DatasetEmbeddingCache
{
    /// <summary>Registers the dataset cache as the host's <see cref="IEmbeddingCache"/>.</summary>
    public static void Add(IServiceCollection services)
    {
        services.AddSingleton(provider => DatasetCacheDatabase.Open(
            provider.GetRequiredService<IOptions<EmbeddingsOptions>>().Value, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IEmbeddingCache>(provider => new SqliteEmbeddingCache(
            provider.GetRequiredService<DatasetCacheDatabase>().Database ?? provider.GetRequiredService<SqliteDatabase>(),
            provider.GetRequiredService<TimeProvider>()));
    }

    /// <summary>The dataset cache's database, or null when its folder is unusable (the warning was written); disposed with the host.</summary>
    internal sealed class DatasetCacheDatabase(SqliteDatabase? database) : IAsyncDisposable
    {
        public SqliteDatabase? Database { get; } = database;

        public static DatasetCacheDatabase Open(EmbeddingsOptions options, TimeProvider time)
        {
            var directory = options.DatasetCacheDirectory is { Length: > 0 } configured
                ? Path.GetFullPath(configured)
                : EmbeddingsOptions.DefaultDatasetCacheDirectory();
            if (directory is null)
            {
                Warn("no cache folder: set XDG_CACHE_HOME, HOME or AgentRag:Embeddings:DatasetCacheDirectory");
                return new DatasetCacheDatabase(null);
            }

            try
            {
                return new DatasetCacheDatabase(SqliteDatabase.Open(new SqliteStorageOptions { DataDirectory = directory }, timeProvider: time));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DbException or InvalidOperationException)
            {
                Warn($"'{directory}' cannot be used ({ex.Message}); set AgentRag:Embeddings:DatasetCacheDirectory to a writable folder");
                return new DatasetCacheDatabase(null);
            }
        }

        public ValueTask DisposeAsync() => Database?.DisposeAsync() ?? ValueTask.CompletedTask;

        private static void Warn(string reason) =>
            Console.Error.WriteLine($"eval: warning: the dataset embedding cache is off, so every embedding is computed and none is kept: {reason}.");
    }
}
