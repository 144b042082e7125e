using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentRag.TestKit;

namespace AgentRag.Deploy.Tests;

/// <summary>
/// Renders <c>deploy/k8s</c> overlays with <c>kubectl kustomize</c> and validates them with
/// <c>deploy/tools/validate.mjs</c> (whose packages <c>./test.sh</c> installs with <c>npm ci</c>).
/// </summary>
internal static class Manifests
{
    public static string Tools { get; } = Path.Combine(SharedPaths.RepositoryRoot, "deploy", "tools");

    private static string Kustomizations { get; } = Path.Combine(SharedPaths.RepositoryRoot, "deploy", "k8s");

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Renderings = new();

    private static readonly ConcurrentDictionary<string, Lazy<Task<Report>>> Reports = new();

    /// <summary>
    /// The YAML <c>kubectl kustomize deploy/k8s/overlays/<paramref name="overlay"/></c> prints (rendered once per test
    /// run); fails the test when kubectl fails or is missing.
    /// </summary>
    public static Task<string> RenderAsync(string overlay) =>
        Renderings.GetOrAdd(overlay, o => new Lazy<Task<string>>(() => KustomizeAsync(o))).Value;

    /// <summary>The report on the overlay's rendering, which must be valid (validated once per test run).</summary>
    public static Task<Report> ValidatedAsync(string overlay) =>
        Reports.GetOrAdd(overlay, o => new Lazy<Task<Report>>(async () => await ValidateAsync(await RenderAsync(o)))).Value;

    private static async Task<string> KustomizeAsync(string overlay)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(Path.Combine(Kustomizations, "overlays", overlay));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("kubectl could not be started.");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail("kubectl is not on PATH: the manifests are rendered with the machine image's kubectl 1.32 (docs/adr/0035).");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            if (process.ExitCode != 0)
            {
                Assert.Fail($"kubectl kustomize {overlay} exited {process.ExitCode}:\n{await stderr}");
            }

            return await stdout;
        }
    }

    /// <summary>Validates <paramref name="yaml"/> and returns the report (objects with their errors and the objects themselves).</summary>
    public static async Task<Report> ValidateAsync(string yaml, bool expectValid = true, bool schemaOnly = false)
    {
        var file = Path.Combine(Path.GetTempPath(), $"agentrag-manifests-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            string[] arguments = schemaOnly
                ? ["validate.mjs", "--with-objects", "--schema-only", file]
                : ["validate.mjs", "--with-objects", file];
            var output = await NodeScript.RunAsync(Tools, null, arguments, expectedExitCode: expectValid ? 0 : 1);
            return new Report(JsonNode.Parse(output)!.AsObject());
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The validator's report on one rendering.</summary>
    public sealed record Report(JsonObject Json)
    {
        public IReadOnlyList<string> Errors =>
            [.. Json["objects"]!.AsArray().SelectMany(o => o!["errors"]!.AsArray().Select(e => $"{o["kind"]} {o["name"]}: {e}"))];

        public IReadOnlyList<JsonObject> Objects =>
            [.. Json["objects"]!.AsArray().Select(o => o!["object"]).OfType<JsonObject>()];

        public IReadOnlyList<JsonObject> OfKind(string kind) => [.. Objects.Where(o => (string?)o["kind"] == kind)];

        public JsonObject Single(string kind, string name) =>
            Objects.Single(o => (string?)o["kind"] == kind && (string?)o["metadata"]!["name"] == name);
    }
}
