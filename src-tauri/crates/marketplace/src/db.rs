//! The embedded SQLite store.
//!
//! SQLite allows one writer at a time; rather than have transactions fail with
//! SQLITE_BUSY, every write goes through a single-connection pool (writes queue
//! in the pool) while reads use a few WAL readers.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub type Tx = Transaction<'static, Sqlite>;

#[derive(Clone, Debug)]
pub struct Db {
    pub writer: SqlitePool,
    pub reader: SqlitePool,
}

impl Db {
    pub async fn open(path: &Path) -> anyhow::Result<Db> {
        let base = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL: a commit survives a process crash, which is what matters here.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer =
            SqlitePoolOptions::new().max_connections(1).connect_with(base.clone().create_if_missing(true)).await?;
        sqlx::migrate!("./migrations").run(&writer).await?;
        let reader = SqlitePoolOptions::new().max_connections(4).connect_with(base.read_only(true)).await?;
        Ok(Db { writer, reader })
    }

    pub async fn begin(&self) -> sqlx::Result<Tx> {
        self.writer.begin().await
    }
}
