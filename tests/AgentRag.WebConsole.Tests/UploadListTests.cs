using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.Components;
using AgentRag.WebConsole.State;
using Bunit;

namespace AgentRag.WebConsole.Tests;

/// <summary>The upload list: bytes sent, then the live ingestion stage, then ready or why it failed.</summary>
public sealed class UploadListTests : BunitContext
{
    [Fact]
    public void Render_FilesInEachPhase_ShowProgressStageAndOutcome()
    {
        var uploading = new UploadItem("R-intro.pdf", 2 * 1024 * 1024);
        uploading.Sent(1024 * 1024, 2 * 1024 * 1024);
        var processing = new UploadItem("gnuplot.pdf", 4096);
        processing.Accepted(new AcceptedDocument("doc_2", "gnuplot.pdf", "pending", false));
        processing.Apply("progress", new DocumentEvent("doc_2", "processing", "extracting", 46, "extracting page 23/50", null, 1));
        var ready = new UploadItem("notes.md", 300);
        ready.Accepted(new AcceptedDocument("doc_3", "notes.md", "pending", false));
        ready.Apply("ready", new DocumentEvent("doc_3", "ready", "ready", 100, "ready", null, 1));
        var failed = new UploadItem("broken.pdf", 10);
        failed.Accepted(new AcceptedDocument("doc_4", "broken.pdf", "pending", false));
        failed.Apply("failed", new DocumentEvent("doc_4", "failed", "extracting", 0, null, "The PDF is damaged.", 1));

        var cut = Render<UploadList>(p => p.Add(c => c.Items, new[] { uploading, processing, ready, failed }));

        var first = cut.Find("li[data-file='R-intro.pdf']");
        first.ClassList.ShouldContain("upload-uploading");
        first.QuerySelector("progress")!.GetAttribute("value").ShouldBe("50");
        first.QuerySelector(".upload-phase")!.TextContent.ShouldBe("uploading 50%");
        first.QuerySelector(".upload-size")!.TextContent.ShouldBe("2 MB");

        var second = cut.Find("li[data-file='gnuplot.pdf']");
        second.QuerySelector("progress")!.GetAttribute("value").ShouldBe("46");
        second.QuerySelector(".upload-phase")!.TextContent.ShouldBe("extracting page 23/50");

        var third = cut.Find("li[data-file='notes.md']");
        third.ClassList.ShouldContain("upload-ready");
        third.QuerySelector("progress").ShouldBeNull();
        third.QuerySelector(".upload-phase")!.TextContent.ShouldBe("ready");

        var fourth = cut.Find("li[data-file='broken.pdf']");
        fourth.ClassList.ShouldContain("upload-failed");
        fourth.QuerySelector("[role=alert]")!.TextContent.ShouldBe("The PDF is damaged.");
    }

    [Fact]
    public void Render_RefusedAndDuplicateFiles_SayWhy()
    {
        var refused = new UploadItem("huge.bin", 10);
        refused.Refused("415 Unsupported file type.");
        var duplicate = new UploadItem("again.pdf", 10);
        duplicate.Accepted(new AcceptedDocument("doc_1", "again.pdf", "ready", true));

        var cut = Render<UploadList>(p => p.Add(c => c.Items, new[] { refused, duplicate }));

        cut.Find("li[data-file='huge.bin'] [role=alert]").TextContent.ShouldBe("415 Unsupported file type.");
        cut.Find("li[data-file='again.pdf'] .upload-phase").TextContent.ShouldBe("ready (already in the library)");
    }

    [Fact]
    public void Render_FileNameWithMarkup_IsShownAsText()
    {
        var cut = Render<UploadList>(p => p.Add(c => c.Items, new[] { new UploadItem("<script>alert(1)</script>.html", 1) }));

        cut.FindAll("script").ShouldBeEmpty();
        cut.Find(".upload-name").TextContent.ShouldBe("<script>alert(1)</script>.html");
    }

    [Fact]
    public void Render_NoUploads_RendersNothing()
    {
        var cut = Render<UploadList>(p => p.Add(c => c.Items, Array.Empty<UploadItem>()));

        cut.Markup.Trim().ShouldBeEmpty();
    }
}
