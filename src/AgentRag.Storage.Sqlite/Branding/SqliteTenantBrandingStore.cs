using AgentRag.Core.Branding;

namespace AgentRag.Storage.Sqlite.Branding;

/// <summary><see cref="ITenantBrandingStore"/> over the embedded store's <c>tenant_branding</c> table. Thread-safe.</summary>
public sealed class SqliteTenantBrandingStore(SqliteDatabase database) : ITenantBrandingStore
{
    public Task<TenantBranding?> GetAsync(string tenantId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT product_name, primary_color, accent_color, logo IS NOT NULL, updated_at FROM tenant_branding WHERE tenant_id = @tenant");
            statement.Bind("@tenant", tenantId);
            return statement.Step()
                ? new TenantBranding(tenantId, statement.GetNullableString(0), statement.GetNullableString(1), statement.GetNullableString(2),
                    statement.GetInt64(3) != 0, new DateTimeOffset(statement.GetInt64(4), TimeSpan.Zero))
                : null;
        }, cancellationToken);

    public Task SaveAsync(TenantBranding branding, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(branding);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("""
                INSERT INTO tenant_branding (tenant_id, product_name, primary_color, accent_color, updated_at)
                VALUES (@tenant, @name, @primary, @accent, @at)
                ON CONFLICT (tenant_id) DO UPDATE SET product_name = excluded.product_name, primary_color = excluded.primary_color,
                    accent_color = excluded.accent_color, updated_at = excluded.updated_at
                """);
            statement.Bind("@tenant", branding.TenantId).Bind("@name", branding.ProductName).Bind("@primary", branding.PrimaryColor)
                .Bind("@accent", branding.AccentColor).Bind("@at", branding.UpdatedAt.UtcTicks).Execute();
        }, cancellationToken);
    }

    public Task<BrandingLogo?> GetLogoAsync(string tenantId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT logo_content_type, logo, updated_at FROM tenant_branding WHERE tenant_id = @tenant AND logo IS NOT NULL");
            statement.Bind("@tenant", tenantId);
            return statement.Step()
                ? new BrandingLogo(statement.GetString(0), statement.GetBlob(1), new DateTimeOffset(statement.GetInt64(2), TimeSpan.Zero))
                : null;
        }, cancellationToken);

    public Task SaveLogoAsync(string tenantId, BrandingLogo? logo, DateTimeOffset updatedAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        return database.WriteAsync(connection =>
        {
            using var statement = connection.Prepare("""
                INSERT INTO tenant_branding (tenant_id, logo_content_type, logo, updated_at) VALUES (@tenant, @type, @logo, @at)
                ON CONFLICT (tenant_id) DO UPDATE SET logo_content_type = excluded.logo_content_type, logo = excluded.logo,
                    updated_at = excluded.updated_at
                """);
            statement.Bind("@tenant", tenantId).Bind("@type", logo?.ContentType).Bind("@logo", logo?.Content).Bind("@at", updatedAt.UtcTicks).Execute();
        }, cancellationToken);
    }
}
