using System.Text.Json;
using AgentRag.Core.Feedback;
using AgentRag.Core.Serialization;

namespace AgentRag.Storage.Sqlite.Feedback;

/// <summary>
/// <see cref="IAnswerQualityStore"/> over the embedded store's <c>answer_outcomes</c>, <c>feedback</c> and
/// <c>feedback_prompts</c> tables. Each write is one transaction on the database's writer queue and completes once
/// durable. Thread-safe.
/// </summary>
public sealed class SqliteAnswerQualityStore(SqliteDatabase database) : IAnswerQualityStore
{
    public Task RecordOutcomeAsync(AnswerOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using (var delete = connection.Prepare("DELETE FROM answer_outcomes WHERE tenant_id = @tenant AND workflow_id = @workflow"))
            {
                delete.Bind("@tenant", outcome.TenantId).Bind("@workflow", outcome.WorkflowId).Execute();
            }

            using var insert = connection.Prepare(
                "INSERT INTO answer_outcomes (tenant_id, workflow_id, prompt_id, prompt_version, used, mode, citation_support_rate, completed_at) " +
                "VALUES (@tenant, @workflow, @prompt, @version, @used, @mode, @rate, @at)");
            foreach (var prompt in outcome.Prompts)
            {
                insert.Reset();
                insert.Bind("@tenant", outcome.TenantId).Bind("@workflow", outcome.WorkflowId).Bind("@prompt", prompt.PromptId)
                    .Bind("@version", prompt.Version).Bind("@used", prompt.Used ? 1L : 0L).Bind("@mode", outcome.Mode)
                    .Bind("@rate", outcome.CitationSupportRate).Bind("@at", outcome.CompletedAt.UtcTicks)
                    .Execute();
            }

            transaction.Commit();
        }, cancellationToken);
    }

    public Task<bool> RecordFeedbackAsync(AnswerFeedback feedback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        return database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            int replaced;
            using (var delete = connection.Prepare("DELETE FROM feedback WHERE tenant_id = @tenant AND workflow_id = @workflow AND user_id = @user"))
            {
                // feedback_prompts rows go with it (ON DELETE CASCADE).
                replaced = delete.Bind("@tenant", feedback.TenantId).Bind("@workflow", feedback.WorkflowId).Bind("@user", feedback.UserId).Execute();
            }

            using (var insert = connection.Prepare(
                "INSERT INTO feedback (tenant_id, workflow_id, user_id, rating, comment, prompts, models, created_at) " +
                "VALUES (@tenant, @workflow, @user, @rating, @comment, @prompts, @models, @at)"))
            {
                insert.Bind("@tenant", feedback.TenantId).Bind("@workflow", feedback.WorkflowId).Bind("@user", feedback.UserId)
                    .Bind("@rating", feedback.Rating == AnswerRating.Up ? 1L : -1L).Bind("@comment", feedback.Comment)
                    .Bind("@prompts", JsonSerializer.Serialize(feedback.Prompts, AgentRagJson.Options))
                    .Bind("@models", JsonSerializer.Serialize(feedback.Models, AgentRagJson.Options))
                    .Bind("@at", feedback.CreatedAt.UtcTicks)
                    .Execute();
            }

            using (var insert = connection.Prepare(
                "INSERT INTO feedback_prompts (tenant_id, workflow_id, user_id, prompt_id, prompt_version) VALUES (@tenant, @workflow, @user, @prompt, @version)"))
            {
                foreach (var prompt in feedback.Prompts)
                {
                    insert.Reset();
                    insert.Bind("@tenant", feedback.TenantId).Bind("@workflow", feedback.WorkflowId).Bind("@user", feedback.UserId)
                        .Bind("@prompt", prompt.PromptId).Bind("@version", prompt.Version)
                        .Execute();
                }
            }

            transaction.Commit();
            return replaced > 0;
        }, cancellationToken);
    }

    public Task<AnswerFeedback?> GetFeedbackAsync(string tenantId, string workflowId, string userId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection =>
        {
            using var statement = connection.Prepare(
                "SELECT rating, comment, prompts, models, created_at FROM feedback WHERE tenant_id = @tenant AND workflow_id = @workflow AND user_id = @user");
            statement.Bind("@tenant", tenantId).Bind("@workflow", workflowId).Bind("@user", userId);
            return statement.Step()
                ? new AnswerFeedback(
                    tenantId,
                    workflowId,
                    userId,
                    statement.GetInt64(0) > 0 ? AnswerRating.Up : AnswerRating.Down,
                    statement.GetNullableString(1),
                    JsonSerializer.Deserialize<List<PromptVersionRef>>(statement.GetString(2), AgentRagJson.Options) ?? [],
                    JsonSerializer.Deserialize<List<string>>(statement.GetString(3), AgentRagJson.Options) ?? [],
                    new DateTimeOffset(statement.GetInt64(4), TimeSpan.Zero))
                : null;
        }, cancellationToken);

    public Task<IReadOnlyList<PromptQuality>> QueryPromptQualityAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        return database.ReadAsync<IReadOnlyList<PromptQuality>>(connection =>
        {
            using var statement = connection.Prepare("""
                WITH outcomes AS (
                    SELECT prompt_id, prompt_version, count(*) AS workflows, count(citation_support_rate) AS rated, avg(citation_support_rate) AS rate
                    FROM answer_outcomes WHERE tenant_id = @tenant GROUP BY prompt_id, prompt_version),
                votes AS (
                    SELECT p.prompt_id, p.prompt_version, coalesce(sum(f.rating > 0), 0) AS up, coalesce(sum(f.rating < 0), 0) AS down
                    FROM feedback_prompts p JOIN feedback f USING (tenant_id, workflow_id, user_id)
                    WHERE p.tenant_id = @tenant GROUP BY p.prompt_id, p.prompt_version),
                versions AS (SELECT prompt_id, prompt_version FROM outcomes UNION SELECT prompt_id, prompt_version FROM votes)
                SELECT v.prompt_id, v.prompt_version, coalesce(o.workflows, 0), coalesce(o.rated, 0), o.rate, coalesce(t.up, 0), coalesce(t.down, 0)
                FROM versions v
                LEFT JOIN outcomes o ON o.prompt_id = v.prompt_id AND o.prompt_version = v.prompt_version
                LEFT JOIN votes t ON t.prompt_id = v.prompt_id AND t.prompt_version = v.prompt_version
                ORDER BY v.prompt_id, v.prompt_version
                """);
            statement.Bind("@tenant", tenantId);
            var result = new List<PromptQuality>();
            while (statement.Step())
            {
                result.Add(new PromptQuality(
                    statement.GetString(0), statement.GetString(1), statement.GetInt64(2), statement.GetInt64(3),
                    statement.IsNull(4) ? null : statement.GetDouble(4), statement.GetInt64(5), statement.GetInt64(6)));
            }

            return result;
        }, cancellationToken);
    }
}
