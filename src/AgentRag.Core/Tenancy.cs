namespace AgentRag.Core;

/// <summary>Tenant identifiers. Every record carries one and every read filters on it.</summary>
public static class Tenancy
{
    /// <summary>The tenant used in embedded mode and when a request names none.</summary>
    public const string DefaultTenant = "default";

    /// <summary>What a tenant id may hold, for error messages (HTTP 400, CLI usage errors).</summary>
    public const string Rule = "1–64 letters, digits, '-', '_' or '.', other than '.' and '..'";

    /// <summary>
    /// Tenant ids are 1–64 characters of letters, digits, '-', '_' and '.', except <c>.</c> and <c>..</c>: so every
    /// valid id is a safe single path segment (see <see cref="ResolveFolder"/>).
    /// </summary>
    public static bool IsValidTenantId(string? tenantId) =>
        !string.IsNullOrEmpty(tenantId)
        && tenantId.Length <= 64
        && tenantId is not ("." or "..")
        && tenantId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Throws <see cref="ArgumentException"/> saying what a tenant id may hold unless <see cref="IsValidTenantId"/>.</summary>
    public static void ThrowIfInvalid(string? tenantId, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(tenantId))] string? paramName = null)
    {
        if (!IsValidTenantId(tenantId))
        {
            throw new ArgumentException($"Invalid tenant id '{tenantId}': use {Rule}.", paramName);
        }
    }

    /// <summary>
    /// The name of the tenant's folder under a per-tenant root (<c>files/</c>, <c>index/</c>): the id itself, so data
    /// folders written by earlier releases keep their layout. The only place a tenant id becomes a path segment.
    /// Throws <see cref="ArgumentException"/> for an invalid id.
    /// </summary>
    public static string FolderName(string tenantId)
    {
        ThrowIfInvalid(tenantId);
        return tenantId;
    }

    /// <summary>
    /// The full path of the tenant's folder directly under <paramref name="root"/>. Throws <see cref="ArgumentException"/>
    /// for an invalid id, and <see cref="InvalidOperationException"/> should the path ever leave <paramref name="root"/>
    /// (a defence in depth behind <see cref="IsValidTenantId"/>). Pure: creates nothing.
    /// </summary>
    public static string ResolveFolder(string root, string tenantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var fullRoot = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var folder = Path.GetFullPath(Path.Combine(fullRoot, FolderName(tenantId)));
        if (!string.Equals(Path.GetDirectoryName(folder), fullRoot, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Tenant '{tenantId}' maps to '{folder}', which is not a folder directly under '{fullRoot}'.");
        }

        return folder;
    }
}
