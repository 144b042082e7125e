using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AgentRag.TestKit;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Server.Tests;

/// <summary>
/// Broken and aborted uploads over HTTP: a clear 400, and no scratch file left in <c>data/tmp</c>; stale scratch files
/// swept at start and periodically; the scratch folder's size cap.
/// </summary>
public sealed class UploadScratchTests
{
    private const string Boundary = "agentrag-test-boundary";

    [Fact]
    public async Task Upload_ZeroByteMultipartBody_400()
    {
        using var factory = new AgentRagServerFactory();

        using var response = await factory.CreateClient().PostAsync("/v1/documents", Multipart(""));

        var problem = await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest);
        problem.GetProperty("detail").GetString()!.ShouldContain("The multipart body is empty");
        ScratchFiles(factory.DataPath).ShouldBeEmpty();
    }

    [Fact]
    public async Task Upload_MultipartCutOffMidPart_400AndNoScratchFileLeft()
    {
        using var factory = new AgentRagServerFactory();
        var body = PartHeader("cut.txt") + new string('x', 200_000); // no closing boundary

        using var response = await factory.CreateClient().PostAsync("/v1/documents", Multipart(body));

        var problem = await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest);
        problem.GetProperty("detail").GetString()!.ShouldContain("ends before its closing boundary");
        problem.GetProperty("detail").GetString()!.ShouldContain("cut.txt");
        ScratchFiles(factory.DataPath).ShouldBeEmpty();
    }

    [Fact]
    public async Task Upload_ClientAbortsMidBody_NoScratchFileLeft()
    {
        using var factory = new AgentRagServerFactory();
        var address = factory.StartOnKestrel();

        using (var client = new TcpClient())
        {
            await client.ConnectAsync(address.Host, address.Port);
            var stream = client.GetStream();
            var head = $"POST /v1/documents HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: multipart/form-data; boundary={Boundary}\r\n"
                + $"Content-Length: 30000000\r\n\r\n{PartHeader("aborted.txt")}";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            for (var i = 0; i < 32; i++)
            {
                await stream.WriteAsync(chunk);
            }

            await stream.FlushAsync();

            // The server is streaming the part to a scratch file: then the client goes away mid-body.
            await WaitUntilAsync(() => ScratchFiles(factory.DataPath).Any(), "the upload's scratch file to appear");
            client.Client.LingerState = new LingerOption(true, 0); // a reset, as a killed client does
        }

        await WaitUntilAsync(() => !ScratchFiles(factory.DataPath).Any(), "the aborted upload's scratch file to be deleted");
    }

    [Fact]
    public void Start_StaleScratchFiles_DeletedAndFreshOnesKept()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var factory = new AgentRagServerFactory();
        var stale = ScratchFile(factory.DataPath, "upload-stale", clock.GetUtcNow() - TimeSpan.FromHours(3));
        var fresh = ScratchFile(factory.DataPath, "upload-fresh", clock.GetUtcNow() - TimeSpan.FromMinutes(5));

        using var started = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        _ = started.Services; // starts the host

        File.Exists(stale).ShouldBeFalse();
        File.Exists(fresh).ShouldBeTrue();
    }

    [Fact]
    public void PeriodicSweep_ScratchFileGrowsStale_DeletedAtTheNextSweep()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            ["AgentRag:Ingestion:ScratchMaxAge"] = "01:00:00",
            ["AgentRag:Ingestion:ScratchSweepInterval"] = "00:10:00",
        });
        using var started = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        _ = started.Services;
        var file = ScratchFile(factory.DataPath, "upload-left-behind", clock.GetUtcNow() - TimeSpan.FromMinutes(55));

        clock.Advance(TimeSpan.FromMinutes(1)); // no sweep due yet
        File.Exists(file).ShouldBeTrue();

        clock.Advance(TimeSpan.FromMinutes(9)); // the sweep at +10 min: the file is 65 minutes old
        File.Exists(file).ShouldBeFalse();
    }

    [Fact]
    public async Task Upload_ScratchFolderWouldExceedItsCap_507NamingTheSettingAndNothingLeft()
    {
        using var factory = new AgentRagServerFactory(new Dictionary<string, string?>
        {
            ["AgentRag:Ingestion:MaxScratchBytes"] = "3000000",
        });
        var client = factory.CreateClient();
        var other = ScratchFile(factory.DataPath, "upload-in-flight", DateTimeOffset.UtcNow, bytes: 2_000_000);

        using var refused = await client.PostAsync("/v1/documents", TextUpload("big.txt", 1_500_000));

        var problem = await ShouldBeProblemAsync(refused, HttpStatusCode.InsufficientStorage);
        problem.GetProperty("detail").GetString()!.ShouldContain("AgentRag:Ingestion:MaxScratchBytes");
        ScratchFiles(factory.DataPath).ShouldBe([other]);

        // Once the other upload's file is gone, the same upload fits.
        File.Delete(other);
        using var accepted = await client.PostAsync("/v1/documents", TextUpload("big.txt", 1_500_000));
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
    }

    private static string PartHeader(string fileName) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{fileName}\"\r\nContent-Type: text/plain\r\n\r\n";

    private static ByteArrayContent Multipart(string body)
    {
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
        return content;
    }

    private static MultipartFormDataContent TextUpload(string fileName, int bytes)
    {
        var words = new StringBuilder();
        for (var i = 0; words.Length < bytes; i++)
        {
            words.Append("word").Append(i).Append(i % 12 == 11 ? ".\n" : " ");
        }

        var file = new ByteArrayContent(Encoding.ASCII.GetBytes(words.ToString(0, bytes)));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        return new MultipartFormDataContent { { file, "files", fileName } };
    }

    private static string ScratchFile(string dataPath, string name, DateTimeOffset lastWrite, int bytes = 1000)
    {
        var path = Path.Combine(dataPath, "tmp", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, lastWrite.UtcDateTime);
        return path;
    }

    private static IEnumerable<string> ScratchFiles(string dataPath)
    {
        var tmp = Path.Combine(dataPath, "tmp");
        return Directory.Exists(tmp) ? Directory.GetFiles(tmp) : [];
    }

    /// <summary>Waits for something the server does on its own after the client left (bounded, polled).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new ShouldAssertException($"Timed out waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    private static async Task<JsonElement> ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        return JsonDocument.Parse(text).RootElement;
    }
}
