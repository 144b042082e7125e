namespace AgentRag.Core.Coordination;

/// <summary>The names of the leases AgentRag takes (see <see cref="IDistributedLock"/>), in one place.</summary>
public static class LeaseNames
{
    /// <summary>Held for its lifetime by the process that resumes unfinished ingestion (one per data folder).</summary>
    public const string IngestionRecovery = "worker";

    /// <summary>
    /// Held while a starting process checks for API keys and creates the bootstrap admin key when there is none, so
    /// processes starting together on an empty store create one between them.
    /// </summary>
    public const string BootstrapAdminKey = "bootstrap-admin-key";

    /// <summary>Held for its lifetime by the process that runs the monitoring agent's jobs (one per data folder or cluster).</summary>
    public const string Monitoring = "monitoring";

    /// <summary>
    /// Held while a process embeds one of the tenant's documents (the background semantic stage), so two processes sharing
    /// a data folder never embed the same tenant at once.
    /// </summary>
    public static string Embedding(string tenantId) => "embedding/" + Tenancy.FolderName(tenantId);

    /// <summary>
    /// Held while a process loads, catches up with or writes one of a tenant's index files (a snapshot and its journal,
    /// e.g. <c>bm25.journal</c>), for the length of one append or snapshot.
    /// </summary>
    public static string IndexFiles(string tenantId, string journalFileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(journalFileName);
        return $"index/{Tenancy.FolderName(tenantId)}/{journalFileName}";
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a well-formed lease name.</summary>
    public static void ThrowIfInvalid(string? name, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(name))] string? paramName = null)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 512 || !name.Split('/').All(IsValidSegment))
        {
            throw new ArgumentException(
                $"Invalid lease name '{name}': use segments of letters, digits, '-', '_' or '.' (not '.' or '..') separated by '/'.", paramName);
        }
    }

    private static bool IsValidSegment(string segment) =>
        segment.Length > 0 && segment is not ("." or "..") && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
