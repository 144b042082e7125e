using System.CommandLine;
using AgentRag.Core;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRag.Core.Actors;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Workflows;
using AgentRag.Core.Approvals;
using AgentRag.Core.Serialization;
using AgentRag.Core.Text;
using Spectre.Console;

namespace AgentRag.Cli.Commands;

/// <summary>
/// <c>agentrag approvals list|show &lt;id&gt;|approve &lt;id&gt;|reject &lt;id&gt; [--comment] [--user] [--url [--api-key]]</c>: the
/// requests paused workflows wait on. Without <c>--url</c> the command works on the data folder: listing and showing
/// read the store; deciding drives the workflow in this process (it waits until the workflow ends or pauses again),
/// which is refused while a server owns the folder. With <c>--url</c> every subcommand goes through that server's API.
/// Exit codes: 0 done, 1 already decided or expired, 2 bad input, 4 no such request.
/// </summary>
internal static class ApprovalsCommand
{
    private static readonly Option<string?> Url = new("--url")
    {
        Description = "A running server (agentrag serve) to work through, e.g. http://127.0.0.1:5080; without it, the data folder directly.",
        Recursive = true,
    };

    /// <summary>The credential sent to <see cref="Url"/>; the server records its holder as the approver.</summary>
    private static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "With --url: the API key to send (else env AGENTRAG_API_KEY); the server records its holder as the approver.",
        Recursive = true,
    };

    public static Command Create()
    {
        var command = new Command("approvals", "List, inspect and decide the approvals paused workflows wait on.") { Url, ApiKey };
        command.Add(CreateList());
        command.Add(CreateShow());
        command.Add(CreateDecide("approve", ApprovalDecision.Approve, "Approve: the step runs and the workflow continues."));
        command.Add(CreateDecide("reject", ApprovalDecision.Reject, "Reject: the step and what depends on it are skipped; the answer says why."));
        return command;
    }

    private static Command CreateList()
    {
        var status = EnumOption.Create<ApprovalStatus>("--status", "Only requests in this status.");
        var workflow = new Option<string?>("--workflow") { Description = "Only this workflow's requests." };
        var limit = new Option<int>("--limit") { Description = "Most requests to list.", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "List requests, newest first.") { status, workflow, limit };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var filter = parseResult.GetValue(status);
            var max = parseResult.GetValue(limit);
            if (max is < 1 or > 1000)
            {
                throw new CliException("--limit must be between 1 and 1000.", ExitCodes.Usage);
            }

            ApprovalPage page;
            if (RemoteClient(host, parseResult) is { } client)
            {
                using (client)
                {
                    var query = $"/v1/approvals?limit={max.ToString(CultureInfo.InvariantCulture)}"
                        + (filter is { } f ? $"&status={EnumNames.Of(f)}" : "")
                        + (parseResult.GetValue(workflow) is { Length: > 0 } w ? $"&workflowId={Uri.EscapeDataString(w)}" : "");
                    page = await SendAsync<ApprovalPage>(client, new HttpRequestMessage(HttpMethod.Get, query), cancellationToken);
                }
            }
            else
            {
                page = await host.Get<ApprovalService>().ListAsync(host.TenantId, new ApprovalQuery(filter, parseResult.GetValue(workflow), 0, max), cancellationToken);
            }

            if (host.Json)
            {
                JsonOutput.WriteLine(new { items = page.Items, total = page.Total });
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("Id", "Workflow", "Step", "Status", "Risk", "Action", "Expires");
            foreach (var r in page.Items)
            {
                table.AddRow(r.Id, r.WorkflowId, Markup.Escape(r.StepId), EnumNames.Of(r.Status), EnumNames.Of(r.Risk), Markup.Escape(TextPreview.Shorten(r.Action, 60)),
                    r.ExpiresAt.ToString("u", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            Console.WriteLine($"{page.Items.Count} of {page.Total} request(s)");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateShow()
    {
        var id = new Argument<string>("id") { Description = "Approval id (apr_…)." };
        var command = new Command("show", "Show one request: what, why, impact, context, and its audit trail.") { id };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var approvalId = parseResult.GetValue(id)!;
            ApprovalRecord record;
            IReadOnlyList<ApprovalAuditEntry> history;
            if (RemoteClient(host, parseResult) is { } client)
            {
                using (client)
                {
                    record = await SendAsync<ApprovalRecord>(client, new HttpRequestMessage(HttpMethod.Get, $"/v1/approvals/{Uri.EscapeDataString(approvalId)}"), cancellationToken);
                    history = (await SendAsync<HistoryBody>(client, new HttpRequestMessage(HttpMethod.Get, $"/v1/approvals/{Uri.EscapeDataString(approvalId)}/history"), cancellationToken)).Entries;
                }
            }
            else
            {
                var approvals = host.Get<ApprovalService>();
                record = await approvals.GetAsync(host.TenantId, approvalId, cancellationToken) ?? throw NotFound(host.TenantId, approvalId);
                history = await approvals.GetHistoryAsync(host.TenantId, approvalId, cancellationToken) ?? [];
            }

            if (host.Json)
            {
                JsonOutput.WriteLine(new { approval = record, history });
                return ExitCodes.Success;
            }

            var grid = new Grid().AddColumns(2);
            void Row(string name, string? value) => grid.AddRow($"[bold]{name}[/]", Markup.Escape(value ?? ""));
            Row("Id", record.Id);
            Row("Workflow", record.WorkflowId);
            Row("Step", $"{record.StepId} ({record.Agent})");
            Row("Status", ApprovalText.Describe(record));
            Row("Action", record.Action);
            Row("Rationale", record.Rationale);
            Row("Impact", record.Impact);
            Row("Risk", EnumNames.Of(record.Risk));
            Row("Suggested", $"{EnumNames.Of(record.SuggestedDecision)}: {record.SuggestionReason}");
            Row("Query", record.Context.TryGetProperty("query", out var q) ? q.GetString() : null);
            Row("Created", record.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            Row("Expires", $"{record.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)} (then {EnumNames.Of(record.TimeoutPolicy)})");
            AnsiConsole.Write(grid);
            if (record.Context.TryGetProperty("sources", out var sources) && sources.GetArrayLength() > 0)
            {
                Console.WriteLine();
                Console.WriteLine("Sources:");
                foreach (var source in sources.EnumerateArray())
                {
                    var pages = source.GetProperty("pages").GetArrayLength() > 0 ? $" p. {string.Join(",", source.GetProperty("pages").EnumerateArray().Select(p => p.GetInt32()))}" : "";
                    Console.WriteLine($"  [{source.GetProperty("number").GetInt32()}] {source.GetProperty("documentName").GetString()}{pages} {source.GetProperty("headingPath").GetString()}");
                    Console.WriteLine($"      “{source.GetProperty("excerpt").GetString()}”");
                }
            }

            Console.WriteLine();
            Console.WriteLine("History:");
            foreach (var entry in history)
            {
                var comment = string.IsNullOrWhiteSpace(entry.Comment) ? "" : $": {entry.Comment}";
                Console.WriteLine($"  {entry.Sequence}. {entry.At.ToString("u", CultureInfo.InvariantCulture)} {entry.Actor} {EnumNames.Of(entry.Action)}{comment}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateDecide(string name, ApprovalDecision decision, string description)
    {
        var id = new Argument<string>("id") { Description = "Approval id (apr_…)." };
        var comment = new Option<string?>("--comment") { Description = "Why (kept in the audit trail)." };
        var user = new Option<string?>("--user")
        {
            Description = "Who decides, on the data folder (default: the operating-system user). With --url the server takes the approver from the API key.",
        };
        var command = new Command(name, description) { id, comment, user };
        command.SetHostedAction(async (host, parseResult, cancellationToken) =>
        {
            var approvalId = parseResult.GetValue(id)!;
            var who = parseResult.GetValue(user) is { Length: > 0 } given ? given : Environment.UserName;
            var note = parseResult.GetValue(comment);
            if (RemoteClient(host, parseResult) is { } client)
            {
                using (client)
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/approvals/{Uri.EscapeDataString(approvalId)}/{name}")
                    {
                        Content = JsonContent.Create(new { comment = note }, options: AgentRagJson.Options),
                    };
                    var decided = await SendAsync<ApprovalRecord>(client, request, cancellationToken);
                    return Report(host, decided, workflow: null);
                }
            }

            var actorHost = host.Get<IActorRuntime>();
            await actorHost.StartAsync(cancellationToken);
            if (!actorHost.OwnsRecovery)
            {
                throw new CliException(
                    $"A running server owns the workflows of {host.DataFolder.Root} (actors.lock is held): decide through it with --url, e.g. --url http://127.0.0.1:5080.",
                    ExitCodes.Failure);
            }

            var approvals = host.Get<ApprovalService>();
            var record = await approvals.GetAsync(host.TenantId, approvalId, cancellationToken) ?? throw NotFound(host.TenantId, approvalId);
            using var subscription = host.Get<Core.Events.IEventLog>().Subscribe(host.TenantId, WorkflowEvents.StreamId(record.WorkflowId));
            var result = await approvals.DecideAsync(host.TenantId, approvalId, new ApprovalDecisionRequest(decision, who, note), cancellationToken);
            switch (result.Outcome)
            {
                case ApprovalDecisionOutcome.NotFound:
                    throw NotFound(host.TenantId, approvalId);
                case ApprovalDecisionOutcome.AlreadyDecided:
                    throw new CliException($"Approval {approvalId} was already {ApprovalText.Describe(result.Record!)}; a decision is final.");
                case ApprovalDecisionOutcome.Expired:
                    throw new CliException($"Approval {approvalId} expired ({ApprovalText.Describe(result.Record!)}); it can no longer be decided.");
                case ApprovalDecisionOutcome.Invalid or ApprovalDecisionOutcome.InvalidInputs:
                    throw new CliException(string.Join(" ", result.Errors.SelectMany(e => e.Value)), ExitCodes.Usage);
            }

            // The workflow goes on in this process: wait until it ends or pauses again. The actor answers after the
            // turn that emitted an event, so its state is current (a final event is published before its commit).
            var workflowActor = WorkflowActor.IdOf(host.TenantId, record.WorkflowId);
            var state = await actorHost.AskAsync<WorkflowState?>(workflowActor, new GetWorkflowState(), cancellationToken);
            if (!IsSettled(state))
            {
                await foreach (var stored in subscription.ReadAllAsync(cancellationToken))
                {
                    if (WorkflowEvents.IsFinal(stored) || stored.Type == WorkflowEvents.ApprovalRequired)
                    {
                        state = await actorHost.AskAsync<WorkflowState?>(workflowActor, new GetWorkflowState(), cancellationToken);
                        if (IsSettled(state))
                        {
                            break;
                        }
                    }
                }
            }

            return Report(host, result.Record!, state);
        });
        return command;
    }

    /// <summary>True when the workflow has ended or waits for a person (nothing runs).</summary>
    private static bool IsSettled(WorkflowState? state) => state is null || state.IsTerminal || state.Status == WorkflowStatus.AwaitingApproval;

    private static int Report(CliHost host, ApprovalRecord decided, WorkflowState? workflow)
    {
        if (host.Json)
        {
            JsonOutput.WriteLine(new
            {
                approval = decided,
                workflow = workflow is null ? null : new { workflow.WorkflowId, workflow.Status, answer = workflow.Answer?.Answer, workflow.Error },
            });
            return ExitCodes.Success;
        }

        Console.WriteLine($"{decided.Id}: {ApprovalText.Describe(decided)}.");
        if (workflow is not null)
        {
            Console.WriteLine($"Workflow {workflow.WorkflowId}: {EnumNames.Of(workflow.Status)}.");
            if (workflow.Answer is { } answer)
            {
                Console.WriteLine();
                Console.WriteLine(answer.Answer);
            }
        }

        return ExitCodes.Success;
    }

    private static HttpClient? RemoteClient(CliHost host, ParseResult parseResult)
    {
        if (parseResult.GetValue(Url) is not { Length: > 0 } url)
        {
            return null;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            throw new CliException($"Invalid --url '{url}': give the server's address, e.g. http://127.0.0.1:5080.", ExitCodes.Usage);
        }

        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var key = parseResult.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("AGENTRAG_API_KEY");
        if (!string.IsNullOrEmpty(key))
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        // A key acts for its own tenant; name one only when asked to (a platform admin's key, or open mode).
        if (string.IsNullOrEmpty(key) || host.TenantId != Tenancy.DefaultTenant)
        {
            client.DefaultRequestHeaders.Add("X-Tenant-ID", host.TenantId);
        }

        return client;
    }

    /// <summary>Sends and reads the JSON answer; a problem answer becomes a <see cref="CliException"/> with its detail and a matching exit code.</summary>
    private static async Task<T> SendAsync<T>(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"Cannot reach {client.BaseAddress}: {ex.Message}");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return JsonSerializer.Deserialize<T>(body, AgentRagJson.Options)
                    ?? throw new CliException($"{client.BaseAddress} answered {request.RequestUri} with an empty body.");
            }

            var detail = body;
            try
            {
                using var problem = JsonDocument.Parse(body);
                detail = problem.RootElement.TryGetProperty("detail", out var d) && d.GetString() is { } text ? text : body;
            }
            catch (JsonException)
            {
                // Not a problem document: report the body as it is.
            }

            throw new CliException(detail, response.StatusCode switch
            {
                HttpStatusCode.NotFound => ExitCodes.NotFound,
                HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => ExitCodes.Usage,
                _ => ExitCodes.Failure,
            });
        }
    }

    private static CliException NotFound(string tenantId, string approvalId) =>
        new($"No approval '{approvalId}' in tenant '{tenantId}'.", ExitCodes.NotFound);

    private sealed record HistoryBody(IReadOnlyList<ApprovalAuditEntry> Entries);
}
