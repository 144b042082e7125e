using AgentRag.WebConsole.Api;
using AgentRag.WebConsole.Components;
using Bunit;

namespace AgentRag.WebConsole.Tests;

/// <summary>The dialog of a key just created: the secret is shown this once, can be copied, and is gone once closed.</summary>
public sealed class KeyCreatedDialogTests : BunitContext
{
    private static readonly CreatedApiKey Created = new("key_1", "ark_secret_value", "default", "viewer", false, null);

    public KeyCreatedDialogTests() => JSInterop.SetupVoid("Blazor._internal.domWrapper.focus", _ => true);

    [Fact]
    public void Render_CreatedKey_ShowsTheSecretOnceWithTheWarning()
    {
        var cut = Render<KeyCreatedDialog>(p => p.Add(c => c.Key, Created).Add(c => c.Name, "ci-reader"));

        cut.Find("[role=dialog]").GetAttribute("aria-modal").ShouldBe("true");
        cut.Find("h2").TextContent.ShouldBe("API key created: ci-reader");
        cut.Find("input#created-key").GetAttribute("value").ShouldBe("ark_secret_value");
        cut.Find("input#created-key").HasAttribute("readonly").ShouldBeTrue();
        cut.Find("#key-created-note").TextContent.ShouldContain("shown only this once");
        cut.Find("#key-created-note").TextContent.ShouldContain("Role viewer, no expiry");
    }

    [Fact]
    public void Copy_BrowserAllows_CopiesTheSecretAndSaysSo()
    {
        var copy = JSInterop.Setup<bool>("AgentRagConsole.copy", "ark_secret_value").SetResult(true);
        var cut = Render<KeyCreatedDialog>(p => p.Add(c => c.Key, Created));

        cut.Find("button.copy").Click();

        copy.VerifyInvoke("AgentRagConsole.copy");
        cut.Find(".copy-state").TextContent.ShouldBe("Copied to the clipboard.");
    }

    [Fact]
    public void Copy_BrowserRefuses_SaysToCopyByHand()
    {
        JSInterop.Setup<bool>("AgentRagConsole.copy", "ark_secret_value").SetResult(false);
        var cut = Render<KeyCreatedDialog>(p => p.Add(c => c.Key, Created));

        cut.Find("button.copy").Click();

        cut.Find(".copy-state").TextContent.ShouldBe("The browser did not allow copying: select the key and copy it yourself.");
    }

    [Fact]
    public void Close_ButtonOrEscape_RaisesOnClose()
    {
        var closed = 0;
        var cut = Render<KeyCreatedDialog>(p => p.Add(c => c.Key, Created).Add(c => c.OnClose, () => closed++));

        cut.Find("button.close").Click();
        cut.Find("[role=dialog]").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Escape" });
        cut.Find("[role=dialog]").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "a" });

        closed.ShouldBe(2); // the button, then Escape; other keys do nothing
    }
}
