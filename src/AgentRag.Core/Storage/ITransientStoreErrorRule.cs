namespace AgentRag.Core.Storage;

/// <summary>
/// A storage backend's rule for which of its failures are transient: contention or a brief outage that the same call
/// can get past after a short delay (SQLite's busy and locked results; a dropped connection or a serialization failure
/// on a server database). Each storage adapter registers its rule, so code that retries (workflow steps) never names a
/// backend's exception types. Pure and thread-safe.
/// </summary>
public interface ITransientStoreErrorRule
{
    /// <summary>
    /// True when <paramref name="exception"/> is one of this backend's transient failures; false for anything else,
    /// including other backends' exceptions, cancellation and bad input.
    /// </summary>
    bool IsTransient(Exception exception);
}
