using System.Text.Json;
using AgentRag.Core.Feedback;
using AgentRag.Core.Serialization;

namespace AgentRag.Storage.Postgres.Feedback;

/// <summary>
/// <see cref="IAnswerQualityStore"/> over <c>answer_outcomes</c>, <c>feedback</c> and <c>feedback_prompts</c>. Each write
/// is one transaction and completes once committed. Thread-safe.
/// </summary>
public sealed class PostgresAnswerQualityStore(PostgresDatabase database) : IAnswerQualityStore
{
    public async Task RecordOutcomeAsync(AnswerOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var delete = connection.Command("DELETE FROM answer_outcomes WHERE tenant_id = @tenant AND workflow_id = @workflow", transaction)
            .With("tenant", outcome.TenantId).With("workflow", outcome.WorkflowId))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var prompt in outcome.Prompts)
        {
            await using var insert = connection.Command(
                "INSERT INTO answer_outcomes (tenant_id, workflow_id, prompt_id, prompt_version, used, mode, citation_support_rate, completed_at) " +
                "VALUES (@tenant, @workflow, @prompt, @version, @used, @mode, @rate, @at)", transaction)
                .With("tenant", outcome.TenantId).With("workflow", outcome.WorkflowId).With("prompt", prompt.PromptId)
                .With("version", prompt.Version).With("used", prompt.Used ? 1 : 0).With("mode", outcome.Mode)
                .With("rate", outcome.CitationSupportRate).With("at", outcome.CompletedAt.UtcTicks);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> RecordFeedbackAsync(AnswerFeedback feedback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int replaced;
        await using (var delete = connection.Command("DELETE FROM feedback WHERE tenant_id = @tenant AND workflow_id = @workflow AND user_id = @user", transaction)
            .With("tenant", feedback.TenantId).With("workflow", feedback.WorkflowId).With("user", feedback.UserId))
        {
            // feedback_prompts rows go with it (ON DELETE CASCADE).
            replaced = await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = connection.Command(
            "INSERT INTO feedback (tenant_id, workflow_id, user_id, rating, comment, prompts, models, created_at) " +
            "VALUES (@tenant, @workflow, @user, @rating, @comment, @prompts, @models, @at)", transaction)
            .With("tenant", feedback.TenantId).With("workflow", feedback.WorkflowId).With("user", feedback.UserId)
            .With("rating", feedback.Rating == AnswerRating.Up ? 1 : -1).With("comment", feedback.Comment)
            .With("prompts", JsonSerializer.Serialize(feedback.Prompts, AgentRagJson.Options))
            .With("models", JsonSerializer.Serialize(feedback.Models, AgentRagJson.Options))
            .With("at", feedback.CreatedAt.UtcTicks))
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var prompt in feedback.Prompts)
        {
            await using var insert = connection.Command(
                "INSERT INTO feedback_prompts (tenant_id, workflow_id, user_id, prompt_id, prompt_version) VALUES (@tenant, @workflow, @user, @prompt, @version)",
                transaction)
                .With("tenant", feedback.TenantId).With("workflow", feedback.WorkflowId).With("user", feedback.UserId)
                .With("prompt", prompt.PromptId).With("version", prompt.Version);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return replaced > 0;
    }

    public async Task<AnswerFeedback?> GetFeedbackAsync(string tenantId, string workflowId, string userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command(
            "SELECT rating, comment, prompts, models, created_at FROM feedback WHERE tenant_id = @tenant AND workflow_id = @workflow AND user_id = @user")
            .With("tenant", tenantId).With("workflow", workflowId).With("user", userId);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        return await row.ReadAsync(cancellationToken)
            ? new AnswerFeedback(
                tenantId,
                workflowId,
                userId,
                row.GetInt32(0) > 0 ? AnswerRating.Up : AnswerRating.Down,
                row.GetNullableString(1),
                JsonSerializer.Deserialize<List<PromptVersionRef>>(row.GetString(2), AgentRagJson.Options) ?? [],
                JsonSerializer.Deserialize<List<string>>(row.GetString(3), AgentRagJson.Options) ?? [],
                PostgresCommands.Utc(row.GetInt64(4)))
            : null;
    }

    public async Task<IReadOnlyList<PromptQuality>> QueryPromptQualityAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Command("""
            WITH outcomes AS (
                SELECT prompt_id, prompt_version, count(*) AS workflows, count(citation_support_rate) AS rated, avg(citation_support_rate) AS rate
                FROM answer_outcomes WHERE tenant_id = @tenant GROUP BY prompt_id, prompt_version),
            votes AS (
                SELECT p.prompt_id, p.prompt_version, count(*) FILTER (WHERE f.rating > 0) AS up, count(*) FILTER (WHERE f.rating < 0) AS down
                FROM feedback_prompts p JOIN feedback f USING (tenant_id, workflow_id, user_id)
                WHERE p.tenant_id = @tenant GROUP BY p.prompt_id, p.prompt_version),
            versions AS (SELECT prompt_id, prompt_version FROM outcomes UNION SELECT prompt_id, prompt_version FROM votes)
            SELECT v.prompt_id, v.prompt_version, coalesce(o.workflows, 0), coalesce(o.rated, 0), o.rate, coalesce(t.up, 0), coalesce(t.down, 0)
            FROM versions v
            LEFT JOIN outcomes o ON o.prompt_id = v.prompt_id AND o.prompt_version = v.prompt_version
            LEFT JOIN votes t ON t.prompt_id = v.prompt_id AND t.prompt_version = v.prompt_version
            ORDER BY v.prompt_id COLLATE "C", v.prompt_version COLLATE "C"
            """).With("tenant", tenantId);
        await using var row = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<PromptQuality>();
        while (await row.ReadAsync(cancellationToken))
        {
            result.Add(new PromptQuality(
                row.GetString(0), row.GetString(1), row.GetInt64(2), row.GetInt64(3),
                row.IsDBNull(4) ? null : row.GetDouble(4), row.GetInt64(5), row.GetInt64(6)));
        }

        return result;
    }
}
