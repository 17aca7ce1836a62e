-- zkroll's proving queue (issue 16): one job per planned batch, claimed by
-- stateless workers with FOR UPDATE SKIP LOCKED (zkSync Era's prover_jobs
-- pattern), heartbeated while proving, requeued by the node when the
-- heartbeat is older than the timeout.

CREATE TABLE prover_jobs (
    id                    BIGSERIAL PRIMARY KEY,
    -- The batch it proves, and the new root of that batch's plan: a batch
    -- re-planned after a failure keeps its number and gets a new job.
    batch_number          BIGINT      NOT NULL CHECK (batch_number >= 0),
    new_root              BYTEA       NOT NULL CHECK (octet_length(new_root) = 32),
    -- The proving key it needs (a worker without it fails the job).
    key_id                TEXT        NOT NULL,
    -- The serialised BatchWitness: everything a worker needs to synthesise
    -- and prove the batch.
    witness               BYTEA       NOT NULL,
    status                TEXT        NOT NULL DEFAULT 'queued'
                          CHECK (status IN ('queued', 'in_progress', 'proved', 'failed')),
    attempts              INTEGER     NOT NULL DEFAULT 0,
    -- Bumped at every claim: a heartbeat, completion or failure carries the
    -- lease it claimed under, so a worker whose job was requeued and claimed
    -- again can no longer touch it.
    lease                 BIGINT      NOT NULL DEFAULT 0,
    picked_by             TEXT,
    processing_started_at TIMESTAMPTZ,
    heartbeat_at          TIMESTAMPTZ,
    proof                 BYTEA,
    prove_ms              BIGINT,
    error                 TEXT,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'proved') = (proof IS NOT NULL))
);

-- At most one live (not failed) job per batch: a batch is proved once.
CREATE UNIQUE INDEX prover_jobs_one_live_per_batch
    ON prover_jobs (batch_number) WHERE status <> 'failed';
-- The claim's scan: queued jobs, oldest batch first.
CREATE INDEX prover_jobs_queued ON prover_jobs (batch_number, id) WHERE status = 'queued';
-- The requeuer's scan.
CREATE INDEX prover_jobs_in_progress ON prover_jobs (heartbeat_at) WHERE status = 'in_progress';

-- Workers seen (for the node's API and metrics).
CREATE TABLE prover_workers (
    name        TEXT        PRIMARY KEY,
    key_ids     TEXT[]      NOT NULL,
    first_seen  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen   TIMESTAMPTZ NOT NULL DEFAULT now(),
    jobs_proved BIGINT      NOT NULL DEFAULT 0,
    jobs_failed BIGINT      NOT NULL DEFAULT 0
);
