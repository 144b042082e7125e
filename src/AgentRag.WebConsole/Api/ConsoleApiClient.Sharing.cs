using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace AgentRag.WebConsole.Api;

// The calls of the users' finishing features: share links, citation export, page images and branding.
public sealed partial class ConsoleApiClient
{
    /// <summary>Creates a read-only link to an answer that works for <paramref name="hours"/> hours (the server's default when null).</summary>
    public async Task<CreatedShare> ShareAsync(string workflowId, double? hours = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"v1/queries/{Uri.EscapeDataString(workflowId)}/share")
        {
            Content = JsonContent.Create(new { expiresInHours = hours }, options: WireJson.Options),
        };
        using var response = await SendAsync(request, cancellationToken);
        return await response.Content.ReadFromJsonAsync<CreatedShare>(WireJson.Options, cancellationToken)
            ?? throw new ApiException(response.StatusCode, "The server sent an empty answer to the share request.");
    }

    /// <summary>The answer a share token opens; needs no credential. 404: not a valid link; 410: revoked or expired.</summary>
    public Task<SharedAnswer> GetSharedAnswerAsync(string token, CancellationToken cancellationToken = default) =>
        GetJsonAsync<SharedAnswer>($"v1/shared/{Uri.EscapeDataString(token)}", cancellationToken);

    public Task<ShareLinkList> ListSharesAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<ShareLinkList>("v1/shares?limit=200", cancellationToken);

    public async Task RevokeShareAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/shares/{Uri.EscapeDataString(id)}"), cancellationToken);
    }

    /// <summary>The URL of an answer's citations as <c>bibtex</c> or <c>json</c> (download it with the credential headers).</summary>
    public static string CitationsUrl(string workflowId, string format) => $"v1/queries/{Uri.EscapeDataString(workflowId)}/citations?format={format}";

    /// <summary>The URL of a PDF page's image <paramref name="width"/> pixels wide (load it with the credential headers).</summary>
    public static string PageImageUrl(string documentId, int page, int width) =>
        $"v1/documents/{Uri.EscapeDataString(documentId)}/pages/{page}/image?width={width}";

    public Task<Branding> GetBrandingAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<Branding>("v1/tenant/branding", cancellationToken);

    public async Task<Branding> SaveBrandingAsync(string? productName, string? primaryColor, string? accentColor, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "v1/tenant/branding")
        {
            Content = JsonContent.Create(new { productName, primaryColor, accentColor }, options: WireJson.Options),
        };
        return await ReadBrandingAsync(request, cancellationToken);
    }

    /// <summary>Uploads the tenant's logo (PNG, JPEG or WebP; the server refuses others with 415 and large ones with 413).</summary>
    public Task<Branding> UploadLogoAsync(byte[] content, string contentType, CancellationToken cancellationToken = default)
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return ReadBrandingAsync(new HttpRequestMessage(HttpMethod.Put, "v1/tenant/branding/logo") { Content = body }, cancellationToken);
    }

    public Task<Branding> DeleteLogoAsync(CancellationToken cancellationToken = default) =>
        ReadBrandingAsync(new HttpRequestMessage(HttpMethod.Delete, "v1/tenant/branding/logo"), cancellationToken);

    /// <summary>An image of the API as a <c>data:</c> URL (an &lt;img&gt; cannot send the credential itself).</summary>
    public async Task<string> GetImageDataUrlAsync(string url, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, url.TrimStart('/')), cancellationToken);
        var type = response.Content.Headers.ContentType?.MediaType ?? "image/png";
        return $"data:{type};base64,{Convert.ToBase64String(await response.Content.ReadAsByteArrayAsync(cancellationToken))}";
    }

    private async Task<Branding> ReadBrandingAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken);
        return await response.Content.ReadFromJsonAsync<Branding>(WireJson.Options, cancellationToken)
            ?? throw new ApiException(response.StatusCode, "The server sent an empty answer to the branding change.");
    }
}
