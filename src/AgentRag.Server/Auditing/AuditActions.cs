namespace AgentRag.Server.Auditing;

/// <summary>The actions the audit log records (docs/security.md, "Audit log").</summary>
public static class AuditActions
{
    public const string DocumentUpload = "document.upload";
    public const string DocumentDelete = "document.delete";
    public const string DocumentReprocess = "document.reprocess";
    public const string KeyCreate = "key.create";
    public const string KeyRevoke = "key.revoke";
    public const string ApprovalApprove = "approval.approve";
    public const string ApprovalReject = "approval.reject";
    public const string ApprovalModify = "approval.modify";
    public const string AuditExport = "audit.export";
    public const string TenantExport = "tenant.export";
    public const string TenantErase = "tenant.erase";
    public const string AlertSettingsUpdate = "alerts.settings.update";
    public const string ShareCreate = "share.create";
    public const string ShareRevoke = "share.revoke";
    public const string BrandingUpdate = "branding.update";

    /// <summary>A request refused with 401 (platform scope: the tenant is unknown).</summary>
    public const string AuthenticationFailure = "auth.failure";

    /// <summary>A platform administrator's credential acting for another tenant (<c>X-Tenant-ID</c>).</summary>
    public const string CrossTenant = "platform.cross_tenant";
}
