using System.Text.Json.Nodes;
using AgentRag.TestKit;

namespace AgentRag.Deploy.Tests;

/// <summary>deploy/Dockerfile passes dockerfilelint (deploy/tools, pinned by its lock file; rules in deploy/.dockerfilelintrc).</summary>
public sealed class DockerfileLintTests
{
    [Fact]
    public async Task Lint_Dockerfile_ReportsNoIssues()
    {
        var output = await NodeScript.RunAsync(Manifests.Tools, null, ["node_modules/dockerfilelint/bin/dockerfilelint", "-c", "..", "-o", "json", "../Dockerfile"]);

        var file = JsonNode.Parse(output)!["files"]!.AsArray().Single()!;
        ((int?)file["issues_count"]).ShouldBe(0, output);
    }

    [Fact]
    public async Task Lint_DockerfileWithKnownMistakes_ReportsThem()
    {
        var folder = Directory.CreateTempSubdirectory("agentrag-lint-");
        try
        {
            var dockerfile = Path.Combine(folder.FullName, "Dockerfile");
            await File.WriteAllTextAsync(dockerfile, "FROM debian:latest\nRUN sudo apt-get install curl\nEXPOSE 80000\n");

            var output = await NodeScript.RunAsync(Manifests.Tools, null,
                ["node_modules/dockerfilelint/bin/dockerfilelint", "-c", "..", "-o", "json", dockerfile], expectedExitCode: 3);

            var issues = JsonNode.Parse(output)!["files"]!.AsArray().Single()!["issues"]!.AsArray().Select(i => (string?)i!["title"]).ToList();
            issues.ShouldContain("Base Image Latest Tag");
            issues.ShouldContain("Use Of sudo Is Not Allowed");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
