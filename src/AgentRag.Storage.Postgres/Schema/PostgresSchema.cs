namespace AgentRag.Storage.Postgres.Schema;

/// <summary>
/// The PostgreSQL store's schema, oldest first. Append new migrations; never edit one that has shipped. It mirrors the
/// embedded store's tables (same names and columns, so a tenant's export and <c>agentrag migrate --from-data</c> map
/// one to one): times are UTC ticks in <c>bigint</c>, JSON documents are <c>text</c>. Every tenant's row carries
/// <c>tenant_id</c> and every key starts with it.
/// </summary>
public static class PostgresSchema
{
    public static IReadOnlyList<PostgresMigration> Migrations { get; } =
    [
        new(1, "every table of the embedded store, the ingestion queue and versioned actor state", """
            CREATE TABLE documents (
                tenant_id        text    NOT NULL,
                id               text    NOT NULL,
                file_name        text    NOT NULL,
                content_type     text    NOT NULL,
                size_bytes       bigint  NOT NULL,
                sha256           text    NOT NULL,
                status           text    NOT NULL,
                stage            text    NOT NULL,
                progress         integer NOT NULL,
                progress_message text,
                page_count       integer NOT NULL,
                chunk_count      integer NOT NULL,
                error            text,
                warnings         text    NOT NULL, -- JSON array of strings
                metadata         text    NOT NULL, -- JSON object (DocumentMetadata)
                stored_path      text    NOT NULL,
                attempts         integer NOT NULL,
                created_at       bigint  NOT NULL, -- UTC ticks
                updated_at       bigint  NOT NULL,
                ready_at         bigint,
                embedded_chunks  integer NOT NULL DEFAULT 0,
                embedding_model  text,
                PRIMARY KEY (tenant_id, id)
            );
            CREATE UNIQUE INDEX documents_tenant_sha256 ON documents (tenant_id, sha256);
            CREATE INDEX documents_tenant_created ON documents (tenant_id, created_at DESC, id DESC);
            CREATE INDEX documents_unfinished ON documents (created_at) WHERE status IN ('Pending', 'Processing');

            CREATE TABLE pages (
                tenant_id   text    NOT NULL,
                document_id text    NOT NULL,
                number      integer NOT NULL,
                text        text    NOT NULL,
                PRIMARY KEY (tenant_id, document_id, number),
                FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
            );

            CREATE TABLE chunks (
                tenant_id    text    NOT NULL,
                id           text    NOT NULL,
                document_id  text    NOT NULL,
                ordinal      integer NOT NULL,
                text         text    NOT NULL,
                token_count  integer NOT NULL,
                pages        text    NOT NULL, -- JSON array of 1-based page numbers
                heading_path text    NOT NULL,
                spans        text    NOT NULL, -- JSON array of [page, start, end]
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
            );
            CREATE UNIQUE INDEX chunks_document_ordinal ON chunks (tenant_id, document_id, ordinal);

            CREATE TABLE events (
                tenant_id text   NOT NULL,
                stream_id text   NOT NULL,
                seq       bigint NOT NULL, -- 1-based, gapless per stream
                type      text   NOT NULL,
                data      text   NOT NULL, -- JSON
                ts        bigint NOT NULL,
                PRIMARY KEY (tenant_id, stream_id, seq)
            );

            CREATE TABLE usage (
                tenant_id      text             NOT NULL,
                id             text             NOT NULL,
                ts             bigint           NOT NULL,
                user_id        text,
                session_id     text,
                workflow_id    text,
                step_id        text,
                agent          text,
                profile        text             NOT NULL,
                model          text             NOT NULL,
                operation      text             NOT NULL,
                prompt_id      text,
                prompt_version text,
                input_tokens   bigint           NOT NULL,
                output_tokens  bigint           NOT NULL,
                cached_tokens  bigint           NOT NULL,
                estimated      integer          NOT NULL, -- 1 when the provider sent no usage
                latency_ms     double precision NOT NULL,
                cost_nano_usd  bigint           NOT NULL,
                outcome        text             NOT NULL,
                error          text,
                routing_reason text,
                PRIMARY KEY (tenant_id, id)
            );
            CREATE INDEX usage_tenant_ts ON usage (tenant_id, ts);
            CREATE INDEX usage_ts ON usage (ts);
            CREATE INDEX usage_tenant_session ON usage (tenant_id, session_id) WHERE session_id IS NOT NULL;
            CREATE INDEX usage_tenant_workflow ON usage (tenant_id, workflow_id) WHERE workflow_id IS NOT NULL;

            CREATE TABLE actor_state (
                tenant_id  text   NOT NULL,
                actor_type text   NOT NULL,
                actor_id   text   NOT NULL,
                key        text   NOT NULL,
                value      text   NOT NULL, -- JSON
                version    bigint NOT NULL, -- the ETag: 1 on the first write, +1 on each
                updated_at bigint NOT NULL,
                PRIMARY KEY (tenant_id, actor_type, actor_id, key)
            );

            CREATE TABLE actor_reminders (
                tenant_id    text   NOT NULL,
                actor_type   text   NOT NULL,
                actor_id     text   NOT NULL,
                name         text   NOT NULL,
                due_at       bigint NOT NULL,
                period_ticks bigint,
                payload      text,
                PRIMARY KEY (tenant_id, actor_type, actor_id, name)
            );

            CREATE TABLE approvals (
                tenant_id   text   NOT NULL,
                id          text   NOT NULL,
                workflow_id text   NOT NULL,
                step_id     text   NOT NULL,
                status      text   NOT NULL,
                created_at  bigint NOT NULL,
                expires_at  bigint NOT NULL,
                data        text   NOT NULL, -- JSON (ApprovalRecord)
                PRIMARY KEY (tenant_id, id)
            );
            CREATE INDEX approvals_tenant_created ON approvals (tenant_id, created_at DESC, id DESC);
            CREATE INDEX approvals_tenant_status_created ON approvals (tenant_id, status, created_at DESC, id DESC);
            CREATE INDEX approvals_tenant_workflow ON approvals (tenant_id, workflow_id);

            CREATE TABLE approval_audit (
                tenant_id   text    NOT NULL,
                approval_id text    NOT NULL,
                seq         integer NOT NULL,
                ts          bigint  NOT NULL,
                actor       text    NOT NULL,
                action      text    NOT NULL,
                data        text    NOT NULL, -- JSON (ApprovalAuditEntry)
                PRIMARY KEY (tenant_id, approval_id, seq)
            );
            CREATE INDEX approval_audit_tenant_ts ON approval_audit (tenant_id, ts);

            CREATE TABLE sessions (
                tenant_id  text   NOT NULL,
                id         text   NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                PRIMARY KEY (tenant_id, id)
            );
            CREATE INDEX sessions_updated ON sessions (updated_at);

            CREATE TABLE session_turns (
                tenant_id   text    NOT NULL,
                session_id  text    NOT NULL,
                seq         integer NOT NULL,
                question    text    NOT NULL,
                query       text    NOT NULL,
                workflow_id text    NOT NULL,
                answer      text,
                asked_at    bigint  NOT NULL,
                PRIMARY KEY (tenant_id, session_id, seq),
                FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
            );
            CREATE INDEX session_turns_workflow ON session_turns (tenant_id, workflow_id);

            CREATE TABLE answer_outcomes (
                tenant_id             text             NOT NULL,
                workflow_id           text             NOT NULL,
                prompt_id             text             NOT NULL,
                prompt_version        text             NOT NULL,
                used                  integer          NOT NULL,
                mode                  text             NOT NULL,
                citation_support_rate double precision,
                completed_at          bigint           NOT NULL,
                PRIMARY KEY (tenant_id, workflow_id, prompt_id)
            );
            CREATE INDEX answer_outcomes_version ON answer_outcomes (tenant_id, prompt_id, prompt_version);

            CREATE TABLE feedback (
                tenant_id   text    NOT NULL,
                workflow_id text    NOT NULL,
                user_id     text    NOT NULL,
                rating      integer NOT NULL, -- +1 up, -1 down
                comment     text,
                prompts     text    NOT NULL, -- JSON array of {promptId, version}
                models      text    NOT NULL, -- JSON array of model names
                created_at  bigint  NOT NULL,
                PRIMARY KEY (tenant_id, workflow_id, user_id)
            );

            CREATE TABLE feedback_prompts (
                tenant_id      text NOT NULL,
                workflow_id    text NOT NULL,
                user_id        text NOT NULL,
                prompt_id      text NOT NULL,
                prompt_version text NOT NULL,
                PRIMARY KEY (tenant_id, workflow_id, user_id, prompt_id),
                FOREIGN KEY (tenant_id, workflow_id, user_id) REFERENCES feedback (tenant_id, workflow_id, user_id) ON DELETE CASCADE
            );
            CREATE INDEX feedback_prompts_version ON feedback_prompts (tenant_id, prompt_id, prompt_version);

            -- Keys are found by their keyed hash (HMAC-SHA256 with the server's secret); the key itself is never stored.
            CREATE TABLE api_keys (
                id             text    NOT NULL PRIMARY KEY,
                tenant_id      text    NOT NULL,
                hash           bytea   NOT NULL UNIQUE,
                prefix         text    NOT NULL,
                name           text    NOT NULL,
                role           text    NOT NULL,
                platform_admin integer NOT NULL,
                created_at     bigint  NOT NULL,
                expires_at     bigint,
                last_used_at   bigint,
                revoked_at     bigint
            );
            CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at DESC);

            CREATE TABLE tenant_daily_queries (
                tenant_id text    NOT NULL,
                day       integer NOT NULL, -- DateOnly.DayNumber, UTC
                count     bigint  NOT NULL,
                PRIMARY KEY (tenant_id, day)
            );

            CREATE TABLE audit_log (
                id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at        bigint NOT NULL,
                tenant_id text,
                actor     text   NOT NULL,
                role      text,
                action    text   NOT NULL,
                target    text,
                outcome   text   NOT NULL,
                status    integer,
                client_ip text,
                trace_id  text,
                detail    text
            );
            CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
            CREATE INDEX audit_log_at ON audit_log (at);

            CREATE TABLE embedding_cache (
                tenant_id  text    NOT NULL, -- a tenant id, or 'dataset:<name>:<hash>'
                model      text    NOT NULL,
                text_hash  text    NOT NULL,
                dimensions integer NOT NULL,
                vector     bytea   NOT NULL, -- float32 little-endian × dimensions
                created_at bigint  NOT NULL,
                PRIMARY KEY (tenant_id, model, text_hash)
            );

            -- The ingestion work queue: a reader claims a row with FOR UPDATE SKIP LOCKED and a lease it renews while it
            -- works; the row goes when the work is done, and a reader that dies leaves it to the others once the lease ends.
            CREATE TABLE ingestion_queue (
                id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                tenant_id    text   NOT NULL,
                document_id  text   NOT NULL,
                enqueued_at  bigint NOT NULL,
                claimed_by   text,
                lease_until  bigint, -- UTC ticks; null: free
                claims       integer NOT NULL DEFAULT 0
            );
            CREATE INDEX ingestion_queue_tenant ON ingestion_queue (tenant_id, document_id);
            """),
        new(2, "secrets every replica shares (the API key secret)", """
            -- Created once per cluster under the migration lock. No tenant_id: never exported or erased with a tenant.
            CREATE TABLE cluster_secrets (
                name       text   NOT NULL PRIMARY KEY,
                value      text   NOT NULL,
                created_at bigint NOT NULL -- UTC ticks
            );
            """),
        new(3, "retention", """
            -- The cleanup job's batched deletes find finished workflows by age (usage and audit_log have their ts/at indexes).
            CREATE INDEX actor_state_updated ON actor_state (actor_type, key, updated_at);
            """),
        new(4, "monitoring: usage rollups, latency percentiles, anomalies, cost reports and alerts", """
            -- Usage rollups: one row per tenant, 5-minute bucket, model and agent ('' for calls outside an agent), the
            -- exact sums of the raw usage rows of that bucket. The dashboard reads these; raw rows may be pruned.
            CREATE TABLE usage_rollups (
                tenant_id      text    NOT NULL,
                bucket         bigint  NOT NULL, -- UTC ticks of the bucket's start
                model          text    NOT NULL,
                agent          text    NOT NULL,
                calls          bigint  NOT NULL,
                failed_calls   bigint  NOT NULL,
                input_tokens   bigint  NOT NULL,
                output_tokens  bigint  NOT NULL,
                cached_tokens  bigint  NOT NULL,
                cost_nano_usd  bigint  NOT NULL,
                latency_ms_sum double precision NOT NULL,
                PRIMARY KEY (tenant_id, bucket, model, agent)
            );
            CREATE INDEX usage_rollups_bucket ON usage_rollups (bucket);

            -- p50/p95/p99 per tenant, 15-minute window, metric (query, ttft, step) and scope (the agent of a step, else '').
            CREATE TABLE latency_percentiles (
                tenant_id    text    NOT NULL,
                window_start bigint  NOT NULL, -- UTC ticks
                metric       text    NOT NULL,
                scope        text    NOT NULL,
                count        bigint  NOT NULL,
                p50_ms       double precision NOT NULL,
                p95_ms       double precision NOT NULL,
                p99_ms       double precision NOT NULL,
                PRIMARY KEY (tenant_id, window_start, metric, scope)
            );
            CREATE INDEX latency_percentiles_window ON latency_percentiles (window_start);

            CREATE TABLE anomalies (
                tenant_id       text    NOT NULL,
                id              text    NOT NULL,
                hour_start      bigint  NOT NULL, -- UTC ticks
                metric          text    NOT NULL,
                scope           text    NOT NULL,
                value           double precision NOT NULL,
                baseline_median double precision NOT NULL,
                baseline_mad    double precision NOT NULL,
                threshold       double precision NOT NULL,
                volume          bigint  NOT NULL,
                evidence        text    NOT NULL, -- JSON object
                detected_at     bigint  NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, id)
            );
            CREATE UNIQUE INDEX anomalies_subject ON anomalies (tenant_id, hour_start, metric, scope);

            CREATE TABLE cost_reports (
                tenant_id  text    NOT NULL,
                day        bigint  NOT NULL, -- days since 0001-01-01 (DateOnly.DayNumber), UTC
                json       text    NOT NULL,
                text       text    NOT NULL,
                html       text    NOT NULL,
                created_at bigint  NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, day)
            );

            CREATE TABLE alerts (
                tenant_id  text    NOT NULL,
                id         text    NOT NULL,
                kind       text    NOT NULL,
                key        text    NOT NULL, -- the incident: one key is raised once per cooldown, delivered once per channel
                severity   text    NOT NULL, -- info | warning | critical
                title      text    NOT NULL,
                detail     text    NOT NULL,
                raised_at  bigint  NOT NULL, -- UTC ticks
                deliveries text    NOT NULL, -- JSON array of AlertDelivery
                PRIMARY KEY (tenant_id, id)
            );
            CREATE INDEX alerts_tenant_raised ON alerts (tenant_id, raised_at DESC);
            CREATE INDEX alerts_tenant_key ON alerts (tenant_id, kind, key, raised_at);
            CREATE INDEX alerts_raised ON alerts (raised_at);

            CREATE TABLE alert_settings (
                tenant_id  text    NOT NULL PRIMARY KEY,
                settings   text    NOT NULL, -- JSON (AlertSettings)
                updated_at bigint  NOT NULL  -- UTC ticks
            );

            -- How far each monitoring job has got (no tenant: the jobs run over every tenant).
            CREATE TABLE monitoring_watermarks (
                job   text    NOT NULL PRIMARY KEY,
                value bigint  NOT NULL -- UTC ticks
            );

            -- The latency reader's scans: finished workflows and completed steps by time.
            CREATE INDEX events_done_ts ON events (ts) WHERE type = 'done';
            CREATE INDEX events_step_completed_ts ON events (ts) WHERE type = 'step.completed';
            """),
        new(5, "admin dashboard: embedding cost in the rollups, workflow errors by time", """
            -- Embeddings vs chat on the dashboard: the embedding calls' share of each rollup's cost, from the raw rows that
            -- are still there (rollups whose raw rows retention pruned keep 0: their cost counts as chat).
            ALTER TABLE usage_rollups ADD COLUMN embedding_cost_nano_usd bigint NOT NULL DEFAULT 0;
            UPDATE usage_rollups r SET embedding_cost_nano_usd = coalesce((
                SELECT sum(u.cost_nano_usd) FROM usage u
                WHERE u.tenant_id = r.tenant_id AND u.ts >= r.bucket AND u.ts < r.bucket + 3000000000
                  AND u.model = r.model AND coalesce(u.agent, '') = r.agent AND u.operation = 'embedding'), 0);

            -- The error list's scan of failed and cancelled workflows by time.
            CREATE INDEX events_error_ts ON events (ts) WHERE type = 'error';
            """),
        new(6, "tenant branding and share links", """
            CREATE TABLE tenant_branding (
                tenant_id         text   NOT NULL PRIMARY KEY,
                product_name      text,
                primary_color     text,            -- #rrggbb
                accent_color      text,            -- #rrggbb
                logo_content_type text,
                logo              bytea,
                updated_at        bigint NOT NULL  -- UTC ticks
            );

            -- Read-only links to one answer; the signed token names the tenant and the id, the row decides if it works.
            CREATE TABLE share_links (
                tenant_id   text   NOT NULL,
                id          text   NOT NULL,
                workflow_id text   NOT NULL,
                created_by  text   NOT NULL,
                created_at  bigint NOT NULL, -- UTC ticks
                expires_at  bigint NOT NULL, -- UTC ticks
                revoked_at  bigint,          -- UTC ticks
                PRIMARY KEY (tenant_id, id)
            );
            CREATE INDEX share_links_tenant_created ON share_links (tenant_id, created_at DESC, id DESC);
            CREATE INDEX share_links_workflow ON share_links (tenant_id, workflow_id);
            """),
        new(7, "cluster-wide rate limits: one fixed-window counter per caller and route group", """
            -- No tenant: the key is the SHA-256 of the caller (credential and tenant, or client IP) and route group.
            CREATE TABLE rate_limit_counters (
                key        bytea   NOT NULL PRIMARY KEY,
                window_end bigint  NOT NULL, -- UTC ticks: the end of the window the count is in
                used       integer NOT NULL
            );
            CREATE INDEX rate_limit_counters_window_end ON rate_limit_counters (window_end);
            """),
    ];
}
