namespace AgentRag.Storage.Sqlite.Schema;

/// <summary>
/// The embedded store's schema, oldest first. Append new migrations; never edit one that has shipped.
/// Every table carries <c>tenant_id</c> and every key starts with it.
/// </summary>
public static class StoreSchema
{
    public static IReadOnlyList<SqliteMigration> Migrations { get; } =
    [
        new(1, "documents, pages and chunks", """
            CREATE TABLE documents (
                tenant_id        TEXT    NOT NULL,
                id               TEXT    NOT NULL,
                file_name        TEXT    NOT NULL,
                content_type     TEXT    NOT NULL,
                size_bytes       INTEGER NOT NULL,
                sha256           TEXT    NOT NULL,
                status           TEXT    NOT NULL,
                stage            TEXT    NOT NULL,
                progress         INTEGER NOT NULL,
                progress_message TEXT,
                page_count       INTEGER NOT NULL,
                chunk_count      INTEGER NOT NULL,
                error            TEXT,
                warnings         TEXT    NOT NULL, -- JSON array of strings
                metadata         TEXT    NOT NULL, -- JSON object (DocumentMetadata)
                stored_path      TEXT    NOT NULL,
                attempts         INTEGER NOT NULL,
                created_at       INTEGER NOT NULL, -- UTC ticks
                updated_at       INTEGER NOT NULL, -- UTC ticks
                ready_at         INTEGER,          -- UTC ticks
                PRIMARY KEY (tenant_id, id)
            ) WITHOUT ROWID;

            CREATE UNIQUE INDEX documents_tenant_sha256 ON documents (tenant_id, sha256);
            CREATE INDEX documents_tenant_created ON documents (tenant_id, created_at DESC, id DESC);
            CREATE INDEX documents_unfinished ON documents (created_at) WHERE status IN ('Pending', 'Processing');

            CREATE TABLE pages (
                tenant_id   TEXT    NOT NULL,
                document_id TEXT    NOT NULL,
                number      INTEGER NOT NULL,
                text        TEXT    NOT NULL,
                PRIMARY KEY (tenant_id, document_id, number),
                FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
            );

            CREATE TABLE chunks (
                tenant_id    TEXT    NOT NULL,
                id           TEXT    NOT NULL,
                document_id  TEXT    NOT NULL,
                ordinal      INTEGER NOT NULL,
                text         TEXT    NOT NULL,
                token_count  INTEGER NOT NULL,
                pages        TEXT    NOT NULL, -- JSON array of 1-based page numbers
                heading_path TEXT    NOT NULL,
                spans        TEXT    NOT NULL, -- JSON array of [page, start, end]
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id) ON DELETE CASCADE
            );

            CREATE UNIQUE INDEX chunks_document_ordinal ON chunks (tenant_id, document_id, ordinal);
            """),
        new(2, "durable event streams", """
            CREATE TABLE events (
                tenant_id TEXT    NOT NULL,
                stream_id TEXT    NOT NULL,
                seq       INTEGER NOT NULL, -- 1-based, gapless per stream
                type      TEXT    NOT NULL,
                data      TEXT    NOT NULL, -- JSON
                ts        INTEGER NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, stream_id, seq)
            ) WITHOUT ROWID;
            """),
        new(3, "model usage", """
            CREATE TABLE usage (
                tenant_id      TEXT    NOT NULL,
                id             TEXT    NOT NULL,
                ts             INTEGER NOT NULL, -- UTC ticks when the call started
                user_id        TEXT,
                session_id     TEXT,
                workflow_id    TEXT,
                step_id        TEXT,
                agent          TEXT,
                profile        TEXT    NOT NULL,
                model          TEXT    NOT NULL,
                operation      TEXT    NOT NULL, -- chat | chat.stream | embedding
                prompt_id      TEXT,
                prompt_version TEXT,
                input_tokens   INTEGER NOT NULL,
                output_tokens  INTEGER NOT NULL,
                cached_tokens  INTEGER NOT NULL,
                estimated      INTEGER NOT NULL, -- 1 when the provider sent no usage
                latency_ms     REAL    NOT NULL,
                cost_nano_usd  INTEGER NOT NULL, -- 10^-9 USD, so sums are exact
                outcome        TEXT    NOT NULL, -- succeeded | failed | cancelled
                error          TEXT,
                routing_reason TEXT,
                PRIMARY KEY (tenant_id, id)
            ) WITHOUT ROWID;

            CREATE INDEX usage_tenant_ts ON usage (tenant_id, ts);
            CREATE INDEX usage_ts ON usage (ts);
            CREATE INDEX usage_tenant_session ON usage (tenant_id, session_id) WHERE session_id IS NOT NULL;
            CREATE INDEX usage_tenant_workflow ON usage (tenant_id, workflow_id) WHERE workflow_id IS NOT NULL;
            """),
        new(4, "actor state and reminders", """
            CREATE TABLE actor_state (
                tenant_id  TEXT    NOT NULL,
                actor_type TEXT    NOT NULL,
                actor_id   TEXT    NOT NULL,
                key        TEXT    NOT NULL,
                value      TEXT    NOT NULL, -- JSON
                updated_at INTEGER NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, actor_type, actor_id, key)
            ) WITHOUT ROWID;

            CREATE TABLE actor_reminders (
                tenant_id    TEXT    NOT NULL,
                actor_type   TEXT    NOT NULL,
                actor_id     TEXT    NOT NULL,
                name         TEXT    NOT NULL,
                due_at       INTEGER NOT NULL, -- UTC ticks of the first firing
                period_ticks INTEGER,          -- null: fires once
                payload      TEXT,
                PRIMARY KEY (tenant_id, actor_type, actor_id, name)
            ) WITHOUT ROWID;
            """),
        new(5, "approval requests and their audit trail", """
            CREATE TABLE approvals (
                tenant_id   TEXT    NOT NULL,
                id          TEXT    NOT NULL,
                workflow_id TEXT    NOT NULL,
                step_id     TEXT    NOT NULL,
                status      TEXT    NOT NULL, -- pending | approved | rejected | expired | escalated
                created_at  INTEGER NOT NULL, -- UTC ticks
                expires_at  INTEGER NOT NULL, -- UTC ticks
                data        TEXT    NOT NULL, -- JSON (ApprovalRecord)
                PRIMARY KEY (tenant_id, id)
            ) WITHOUT ROWID;

            CREATE INDEX approvals_tenant_created ON approvals (tenant_id, created_at DESC, id DESC);
            CREATE INDEX approvals_tenant_status_created ON approvals (tenant_id, status, created_at DESC, id DESC);
            CREATE INDEX approvals_tenant_workflow ON approvals (tenant_id, workflow_id);

            CREATE TABLE approval_audit (
                tenant_id   TEXT    NOT NULL,
                approval_id TEXT    NOT NULL,
                seq         INTEGER NOT NULL, -- 1-based, gapless per approval
                ts          INTEGER NOT NULL, -- UTC ticks
                actor       TEXT    NOT NULL,
                action      TEXT    NOT NULL,
                data        TEXT    NOT NULL, -- JSON (ApprovalAuditEntry)
                PRIMARY KEY (tenant_id, approval_id, seq)
            ) WITHOUT ROWID;

            CREATE INDEX approval_audit_tenant_ts ON approval_audit (tenant_id, ts);
            """),
        new(6, "conversation sessions", """
            CREATE TABLE sessions (
                tenant_id  TEXT    NOT NULL,
                id         TEXT    NOT NULL,
                created_at INTEGER NOT NULL, -- UTC ticks
                updated_at INTEGER NOT NULL, -- UTC ticks of the last turn; the TTL runs from here
                PRIMARY KEY (tenant_id, id)
            ) WITHOUT ROWID;

            CREATE INDEX sessions_updated ON sessions (updated_at);

            CREATE TABLE session_turns (
                tenant_id   TEXT    NOT NULL,
                session_id  TEXT    NOT NULL,
                seq         INTEGER NOT NULL, -- 1-based per session; only the newest turns are kept
                question    TEXT    NOT NULL, -- as the user asked it
                query       TEXT    NOT NULL, -- the standalone question the workflow ran
                workflow_id TEXT    NOT NULL,
                answer      TEXT,             -- null until the workflow ends
                asked_at    INTEGER NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, session_id, seq),
                FOREIGN KEY (tenant_id, session_id) REFERENCES sessions (tenant_id, id) ON DELETE CASCADE
            ) WITHOUT ROWID;

            CREATE INDEX session_turns_workflow ON session_turns (tenant_id, workflow_id);
            """),
        new(7, "answer outcomes and feedback", """
            -- One row per prompt version a completed workflow was assigned (its A/B arms), with the answer's citation support.
            CREATE TABLE answer_outcomes (
                tenant_id             TEXT    NOT NULL,
                workflow_id           TEXT    NOT NULL,
                prompt_id             TEXT    NOT NULL,
                prompt_version        TEXT    NOT NULL,
                used                  INTEGER NOT NULL, -- 1 when a model call recorded this version
                mode                  TEXT    NOT NULL, -- the answer's mode
                citation_support_rate REAL,             -- null when the answer had nothing to verify
                completed_at          INTEGER NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, workflow_id, prompt_id)
            ) WITHOUT ROWID;

            CREATE INDEX answer_outcomes_version ON answer_outcomes (tenant_id, prompt_id, prompt_version);

            -- One rating per workflow and caller; a second one replaces the first.
            CREATE TABLE feedback (
                tenant_id   TEXT    NOT NULL,
                workflow_id TEXT    NOT NULL,
                user_id     TEXT    NOT NULL,
                rating      INTEGER NOT NULL, -- +1 up, -1 down
                comment     TEXT,
                prompts     TEXT    NOT NULL, -- JSON array of {promptId, version}
                models      TEXT    NOT NULL, -- JSON array of model names
                created_at  INTEGER NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, workflow_id, user_id)
            ) WITHOUT ROWID;

            CREATE TABLE feedback_prompts (
                tenant_id      TEXT NOT NULL,
                workflow_id    TEXT NOT NULL,
                user_id        TEXT NOT NULL,
                prompt_id      TEXT NOT NULL,
                prompt_version TEXT NOT NULL,
                PRIMARY KEY (tenant_id, workflow_id, user_id, prompt_id),
                FOREIGN KEY (tenant_id, workflow_id, user_id) REFERENCES feedback (tenant_id, workflow_id, user_id) ON DELETE CASCADE
            ) WITHOUT ROWID;

            CREATE INDEX feedback_prompts_version ON feedback_prompts (tenant_id, prompt_id, prompt_version);
            """),
        new(8, "API keys", """
            -- Keys are found by their keyed hash (HMAC-SHA256 with the server's secret); the key itself is never stored.
            CREATE TABLE api_keys (
                id             TEXT    NOT NULL PRIMARY KEY,
                tenant_id      TEXT    NOT NULL,
                hash           BLOB    NOT NULL UNIQUE,
                prefix         TEXT    NOT NULL,
                name           TEXT    NOT NULL,
                role           TEXT    NOT NULL, -- viewer | member | admin
                platform_admin INTEGER NOT NULL, -- 1: may act for any tenant
                created_at     INTEGER NOT NULL, -- UTC ticks
                expires_at     INTEGER,          -- UTC ticks
                last_used_at   INTEGER,          -- UTC ticks
                revoked_at     INTEGER           -- UTC ticks
            );

            CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at DESC);
            """),
        new(9, "queries per tenant per day", """
            -- The daily query quota's counter: one row per tenant and UTC day (no query text).
            CREATE TABLE tenant_daily_queries (
                tenant_id TEXT    NOT NULL,
                day       INTEGER NOT NULL, -- days since 0001-01-01 (DateOnly.DayNumber), UTC
                count     INTEGER NOT NULL,
                PRIMARY KEY (tenant_id, day)
            ) WITHOUT ROWID;
            """),
        new(10, "audit log", """
            -- Append-only: rows leave only by retention or by the erasure of their tenant. Never document or query text.
            CREATE TABLE audit_log (
                id        INTEGER PRIMARY KEY AUTOINCREMENT,
                at        INTEGER NOT NULL, -- UTC ticks
                tenant_id TEXT,             -- null: the platform scope (authentication failures, erasure tombstones)
                actor     TEXT    NOT NULL, -- 'name (key_…)', a JWT subject, 'local' or 'anonymous'
                role      TEXT,
                action    TEXT    NOT NULL, -- e.g. document.upload
                target    TEXT,             -- an id
                outcome   TEXT    NOT NULL, -- success | failure | denied
                status    INTEGER,          -- HTTP status
                client_ip TEXT,
                trace_id  TEXT,
                detail    TEXT              -- machine-written summary (counts), never user text
            );

            CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
            CREATE INDEX audit_log_at ON audit_log (at);
            """),
        new(11, "embedding progress and the persistent embedding cache", """
            -- A document is ready once keyword-searchable; its embedding follows in the background (ADR 0027).
            ALTER TABLE documents ADD COLUMN embedded_chunks INTEGER NOT NULL DEFAULT 0; -- chunks with a vector of embedding_model
            ALTER TABLE documents ADD COLUMN embedding_model TEXT;                       -- null: not embedded yet (or before this version)

            -- Vectors by (scope, model, SHA-256 of the embedded text): a text is embedded once per model. tenant_id is a
            -- tenant id, or 'dataset:<name>:<hash>' for an evaluation corpus (never a valid tenant id, so tenant erasure
            -- leaves it alone).
            CREATE TABLE embedding_cache (
                tenant_id  TEXT    NOT NULL,
                model      TEXT    NOT NULL,
                text_hash  TEXT    NOT NULL, -- lower-case hex SHA-256 of the UTF-8 text
                dimensions INTEGER NOT NULL,
                vector     BLOB    NOT NULL, -- float32 little-endian × dimensions
                created_at INTEGER NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, model, text_hash)
            ) WITHOUT ROWID;
            """),
        new(12, "actor state ETags", """
            -- The version of a state entry, its ETag for optimistic concurrency: 1 on the first write, +1 on each.
            ALTER TABLE actor_state ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
            """),
        new(13, "incremental vacuum", """
            -- Finished workflows are found by age for retention (the cleanup job's batched deletes).
            CREATE INDEX IF NOT EXISTS actor_state_updated ON actor_state (actor_type, key, updated_at);

            -- Space freed by retention goes back to the file system in small steps (PRAGMA incremental_vacuum) rather
            -- than by a full VACUUM. The mode needs a VACUUM to take on a database that already has tables, which must
            -- run outside a transaction; idempotent (a database already in this mode is rewritten once more, compactly).
            PRAGMA auto_vacuum = INCREMENTAL;
            VACUUM;
            """, OutsideTransaction: true),
        new(14, "monitoring: usage rollups, latency percentiles, anomalies, cost reports and alerts", """
            -- Usage rollups: one row per tenant, 5-minute bucket, model and agent ('' for calls outside an agent), the
            -- exact sums of the raw usage rows of that bucket. The dashboard reads these; raw rows may be pruned.
            CREATE TABLE usage_rollups (
                tenant_id      TEXT    NOT NULL,
                bucket         INTEGER NOT NULL, -- UTC ticks of the bucket's start
                model          TEXT    NOT NULL,
                agent          TEXT    NOT NULL,
                calls          INTEGER NOT NULL,
                failed_calls   INTEGER NOT NULL,
                input_tokens   INTEGER NOT NULL,
                output_tokens  INTEGER NOT NULL,
                cached_tokens  INTEGER NOT NULL,
                cost_nano_usd  INTEGER NOT NULL,
                latency_ms_sum REAL    NOT NULL,
                PRIMARY KEY (tenant_id, bucket, model, agent)
            ) WITHOUT ROWID;
            CREATE INDEX usage_rollups_bucket ON usage_rollups (bucket);

            -- p50/p95/p99 per tenant, 15-minute window, metric (query, ttft, step) and scope (the agent of a step, else '').
            CREATE TABLE latency_percentiles (
                tenant_id    TEXT    NOT NULL,
                window_start INTEGER NOT NULL, -- UTC ticks
                metric       TEXT    NOT NULL,
                scope        TEXT    NOT NULL,
                count        INTEGER NOT NULL,
                p50_ms       REAL    NOT NULL,
                p95_ms       REAL    NOT NULL,
                p99_ms       REAL    NOT NULL,
                PRIMARY KEY (tenant_id, window_start, metric, scope)
            ) WITHOUT ROWID;
            CREATE INDEX latency_percentiles_window ON latency_percentiles (window_start);

            CREATE TABLE anomalies (
                tenant_id       TEXT    NOT NULL,
                id              TEXT    NOT NULL,
                hour_start      INTEGER NOT NULL, -- UTC ticks
                metric          TEXT    NOT NULL,
                scope           TEXT    NOT NULL,
                value           REAL    NOT NULL,
                baseline_median REAL    NOT NULL,
                baseline_mad    REAL    NOT NULL,
                threshold       REAL    NOT NULL,
                volume          INTEGER NOT NULL,
                evidence        TEXT    NOT NULL, -- JSON object
                detected_at     INTEGER NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, id)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX anomalies_subject ON anomalies (tenant_id, hour_start, metric, scope);

            CREATE TABLE cost_reports (
                tenant_id  TEXT    NOT NULL,
                day        INTEGER NOT NULL, -- days since 0001-01-01 (DateOnly.DayNumber), UTC
                json       TEXT    NOT NULL,
                text       TEXT    NOT NULL,
                html       TEXT    NOT NULL,
                created_at INTEGER NOT NULL, -- UTC ticks
                PRIMARY KEY (tenant_id, day)
            ) WITHOUT ROWID;

            CREATE TABLE alerts (
                tenant_id  TEXT    NOT NULL,
                id         TEXT    NOT NULL,
                kind       TEXT    NOT NULL,
                key        TEXT    NOT NULL, -- the incident: one key is raised once per cooldown, delivered once per channel
                severity   TEXT    NOT NULL, -- info | warning | critical
                title      TEXT    NOT NULL,
                detail     TEXT    NOT NULL,
                raised_at  INTEGER NOT NULL, -- UTC ticks
                deliveries TEXT    NOT NULL, -- JSON array of AlertDelivery
                PRIMARY KEY (tenant_id, id)
            ) WITHOUT ROWID;
            CREATE INDEX alerts_tenant_raised ON alerts (tenant_id, raised_at DESC);
            CREATE INDEX alerts_tenant_key ON alerts (tenant_id, kind, key, raised_at);
            CREATE INDEX alerts_raised ON alerts (raised_at);

            CREATE TABLE alert_settings (
                tenant_id  TEXT    NOT NULL PRIMARY KEY,
                settings   TEXT    NOT NULL, -- JSON (AlertSettings)
                updated_at INTEGER NOT NULL  -- UTC ticks
            );

            -- How far each monitoring job has got (no tenant: the jobs run over every tenant).
            CREATE TABLE monitoring_watermarks (
                job   TEXT    NOT NULL PRIMARY KEY,
                value INTEGER NOT NULL -- UTC ticks
            );

            -- The latency reader's scans: finished workflows and completed steps by time.
            CREATE INDEX events_done_ts ON events (ts) WHERE type = 'done';
            CREATE INDEX events_step_completed_ts ON events (ts) WHERE type = 'step.completed';
            """),
        new(15, "admin dashboard: embedding cost in the rollups, workflow errors by time", """
            -- Embeddings vs chat on the dashboard: the embedding calls' share of each rollup's cost, from the raw rows that
            -- are still there (rollups whose raw rows retention pruned keep 0: their cost counts as chat).
            ALTER TABLE usage_rollups ADD COLUMN embedding_cost_nano_usd INTEGER NOT NULL DEFAULT 0;
            UPDATE usage_rollups SET embedding_cost_nano_usd = coalesce((
                SELECT sum(u.cost_nano_usd) FROM usage u
                WHERE u.tenant_id = usage_rollups.tenant_id AND u.ts >= usage_rollups.bucket AND u.ts < usage_rollups.bucket + 3000000000
                  AND u.model = usage_rollups.model AND coalesce(u.agent, '') = usage_rollups.agent AND u.operation = 'embedding'), 0);

            -- The error list's scan of failed and cancelled workflows by time.
            CREATE INDEX events_error_ts ON events (ts) WHERE type = 'error';
            """),
        new(16, "tenant branding and share links", """
            CREATE TABLE tenant_branding (
                tenant_id         TEXT    NOT NULL PRIMARY KEY,
                product_name      TEXT,
                primary_color     TEXT,             -- #rrggbb
                accent_color      TEXT,             -- #rrggbb
                logo_content_type TEXT,
                logo              BLOB,
                updated_at        INTEGER NOT NULL  -- UTC ticks
            );

            -- Read-only links to one answer; the signed token names the tenant and the id, the row decides if it works.
            CREATE TABLE share_links (
                tenant_id   TEXT    NOT NULL,
                id          TEXT    NOT NULL,
                workflow_id TEXT    NOT NULL,
                created_by  TEXT    NOT NULL,
                created_at  INTEGER NOT NULL, -- UTC ticks
                expires_at  INTEGER NOT NULL, -- UTC ticks
                revoked_at  INTEGER,          -- UTC ticks
                PRIMARY KEY (tenant_id, id)
            ) WITHOUT ROWID;
            CREATE INDEX share_links_tenant_created ON share_links (tenant_id, created_at DESC, id DESC);
            CREATE INDEX share_links_workflow ON share_links (tenant_id, workflow_id);
            """),
    ];
}
