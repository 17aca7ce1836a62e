//! The queue's schema, in versioned migrations applied in order in one
//! transaction, under a transaction-scoped advisory lock so that a node
//! and its workers starting at once apply each exactly once (and a failed
//! one leaves nothing behind).

use super::QueueError;

/// Every migration this build knows: version, name, SQL.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[(
    1,
    "prover_jobs",
    include_str!("../../migrations/0001_prover_jobs.sql"),
)];

/// The advisory lock's key (any fixed 64-bit number: "zkrollq1").
const LOCK_KEY: i64 = 0x7a6b_726f_6c6c_7131;

/// The table recording applied versions.
const VERSIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS zkroll_migrations (
    version    INTEGER     PRIMARY KEY,
    name       TEXT        NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// Applies the migrations the database lacks; refuses a database whose
/// schema is newer than this build's.
pub async fn migrate(client: &mut tokio_postgres::Client) -> Result<(), QueueError> {
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    let tx = client
        .transaction()
        .await
        .map_err(QueueError::query("migration transaction"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .await
        .map_err(QueueError::query("migration lock"))?;
    tx.batch_execute(VERSIONS_TABLE)
        .await
        .map_err(QueueError::query("creating zkroll_migrations"))?;
    let found: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM zkroll_migrations",
            &[],
        )
        .await
        .map_err(QueueError::query("reading the schema version"))?
        .get(0);
    if found > known {
        return Err(QueueError::SchemaTooNew { found, known });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        let fail = |source| QueueError::Migration {
            version,
            name,
            source,
        };
        tx.batch_execute(sql).await.map_err(fail)?;
        tx.execute(
            "INSERT INTO zkroll_migrations (version, name) VALUES ($1, $2)",
            &[&version, &name],
        )
        .await
        .map_err(fail)?;
    }
    tx.commit()
        .await
        .map_err(QueueError::query("committing the migrations"))
}
