using System.ComponentModel.DataAnnotations;

namespace AgentRag.Storage.Sqlite;

/// <summary>Settings of the embedded SQLite store (configuration section <c>AgentRag:Sqlite</c>; <c>AgentRag:Storage</c> names the storage backend).</summary>
public sealed class SqliteStorageOptions
{
    public const string SectionName = "AgentRag:Sqlite";

    /// <summary>The database file's name inside the data folder.</summary>
    public const string DatabaseFileName = "agentrag.db";

    /// <summary>The data folder; the database is <c>&lt;DataDirectory&gt;/agentrag.db</c>. Created when missing.</summary>
    [Required]
    public string DataDirectory { get; set; } = "";

    /// <summary>Most write items the writer runs in one transaction before committing.</summary>
    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 1024;

    /// <summary>Longest the writer keeps adding items to an open transaction before committing it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan MaxBatchDuration { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Write items that may wait in the queue; producers wait for room beyond this (back-pressure).</summary>
    [Range(1, 10_000_000)]
    public int WriteQueueCapacity { get; set; } = 65_536;

    /// <summary>Read connections in the pool: at most this many reads run at once.</summary>
    [Range(1, 256)]
    public int ReadConnections { get; set; } = 4;

    /// <summary>How long a statement waits for another process's lock on the file before failing.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public string DatabasePath => Path.Combine(DataDirectory, DatabaseFileName);

    /// <summary>Throws <see cref="ValidationException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);
    }
}
