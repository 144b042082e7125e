using AgentRag.Core.Branding;

namespace AgentRag.Storage.Postgres.Branding;

/// <summary><see cref="ITenantBrandingStore"/> over <c>tenant_branding</c>. Thread-safe.</summary>
public sealed class PostgresTenantBrandingStore(PostgresDatabase database) : ITenantBrandingStore
{
    public async Task<TenantBranding?> GetAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT product_name, primary_color, accent_color, logo IS NOT NULL, updated_at FROM tenant_branding WHERE tenant_id = @tenant")
            .With("tenant", tenantId);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        return await row.ReadAsync(cancellationToken)
            ? new TenantBranding(tenantId, row.GetNullableString(0), row.GetNullableString(1), row.GetNullableString(2), row.GetBoolean(3),
                PostgresCommands.Utc(row.GetInt64(4)))
            : null;
    }

    public async Task SaveAsync(TenantBranding branding, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branding);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            INSERT INTO tenant_branding (tenant_id, product_name, primary_color, accent_color, updated_at)
            VALUES (@tenant, @name, @primary, @accent, @at)
            ON CONFLICT (tenant_id) DO UPDATE SET product_name = excluded.product_name, primary_color = excluded.primary_color,
                accent_color = excluded.accent_color, updated_at = excluded.updated_at
            """).With("tenant", branding.TenantId).With("name", branding.ProductName).With("primary", branding.PrimaryColor)
            .With("accent", branding.AccentColor).With("at", branding.UpdatedAt.UtcTicks);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<BrandingLogo?> GetLogoAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT logo_content_type, logo, updated_at FROM tenant_branding WHERE tenant_id = @tenant AND logo IS NOT NULL").With("tenant", tenantId);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        return await row.ReadAsync(cancellationToken)
            ? new BrandingLogo(row.GetString(0), (byte[])row.GetValue(1), PostgresCommands.Utc(row.GetInt64(2)))
            : null;
    }

    public async Task SaveLogoAsync(string tenantId, BrandingLogo? logo, DateTimeOffset updatedAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            INSERT INTO tenant_branding (tenant_id, logo_content_type, logo, updated_at) VALUES (@tenant, @type, @logo, @at)
            ON CONFLICT (tenant_id) DO UPDATE SET logo_content_type = excluded.logo_content_type, logo = excluded.logo,
                updated_at = excluded.updated_at
            """).With("tenant", tenantId).With("type", logo?.ContentType).With("logo", logo?.Content).With("at", updatedAt.UtcTicks);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
