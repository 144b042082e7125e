namespace AgentRag.Core;

/// <summary>Tenant identifiers. Every record carries one and every read filters on it.</summary>
public static class Tenancy
{
    /// <summary>The tenant used in embedded mode and when a request names none.</summary>
    public const string DefaultTenant = "default";

    /// <summary>Tenant ids are 1–64 characters of letters, digits, '-', '_' and '.'.</summary>
    public static bool IsValidTenantId(string? tenantId) =>
        !string.IsNullOrEmpty(tenantId)
        && tenantId.Length <= 64
        && tenantId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Throws <see cref="ArgumentException"/> saying what a tenant id may hold unless <see cref="IsValidTenantId"/>.</summary>
    public static void ThrowIfInvalid(string? tenantId, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(tenantId))] string? paramName = null)
    {
        if (!IsValidTenantId(tenantId))
        {
            throw new ArgumentException($"Invalid tenant id '{tenantId}': use 1–64 letters, digits, '-', '_' or '.'.", paramName);
        }
    }
}
