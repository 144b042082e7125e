using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AgentRag.TestKit;

/// <summary>Uploads a corpus file to a running server over HTTP, as a client does.</summary>
public static class DocumentUploads
{
    /// <summary>Uploads <paramref name="file"/> from <c>../shared/corpus</c> and returns its document id (throws unless 202).</summary>
    public static async Task<string> UploadAsync(HttpClient http, string file)
    {
        using var content = new MultipartFormDataContent();
        var bytes = new ByteArrayContent(File.ReadAllBytes(SharedPaths.CorpusFile(file)));
        bytes.Headers.ContentType = new MediaTypeHeaderValue(file.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) ? "application/pdf" : "application/octet-stream");
        content.Add(bytes, "files", file);
        using var upload = await http.PostAsync("/v1/documents", content);
        if (upload.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"The upload of {file} answered {(int)upload.StatusCode}: {await upload.Content.ReadAsStringAsync()}");
        }

        return (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("documents")[0].GetProperty("id").GetString()!;
    }

    /// <summary>Uploads <paramref name="file"/> and follows the document's stream until it is ready; returns its id.</summary>
    public static async Task<string> UploadAndWaitAsync(HttpClient http, string file)
    {
        var id = await UploadAsync(http, file);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/documents/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var events = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await events.Content.ReadAsStringAsync(); // the stream ends after the final event
        if (!body.Contains("event: ready", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{file} did not become ready: {body}");
        }

        return id;
    }
}
