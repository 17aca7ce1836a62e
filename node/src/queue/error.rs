//! Why the proving queue refused or failed: one variant per reason, the
//! database's error kept as the source.

/// A proving-queue failure.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The database URL does not parse.
    #[error("the proving queue's database URL does not parse")]
    Url {
        /// The parser's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The database does not answer.
    #[error("cannot connect to the proving queue's database")]
    Connect {
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// A statement failed (the connection dropped, or the server refused it).
    #[error("proving queue: {what} failed")]
    Query {
        /// Which operation.
        what: &'static str,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// A migration failed; nothing of it was applied (the migrations run in
    /// one transaction).
    #[error("proving queue: migration {version} ({name}) failed")]
    Migration {
        /// Its version.
        version: i32,
        /// Its name.
        name: &'static str,
        /// The server's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The database has a schema newer than this build knows.
    #[error("the proving queue's database is at schema version {found}; this build knows up to {known}: upgrade zkroll")]
    SchemaTooNew {
        /// The database's version.
        found: i32,
        /// This build's newest.
        known: i32,
    },
    /// A live job for this batch already exists with another plan (another
    /// new root): the old one must fail before the batch is re-planned.
    #[error("batch {batch} already has a live proving job for another plan (job {job})")]
    BatchConflict {
        /// The batch.
        batch: u64,
        /// The live job.
        job: i64,
    },
    /// A value does not fit the database's column.
    #[error("proving queue: {what} {value} does not fit the column")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value.
        value: u64,
    },
    /// A row the database returned is not what the schema allows.
    #[error("proving queue: job {job} has {what}")]
    Corrupt {
        /// The job.
        job: i64,
        /// What is wrong.
        what: &'static str,
    },
}

impl QueueError {
    /// A [`QueueError::Query`] for `what`.
    pub(crate) fn query(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Self {
        move |source| Self::Query { what, source }
    }
}
