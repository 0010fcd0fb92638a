use std::path::Path;

use comptoir_core::Db;

/// What every command can reach: the shop's database.
pub struct AppState {
    pub db: Db,
}

impl AppState {
    pub async fn open(data_dir: Option<&Path>) -> comptoir_core::Result<Self> {
        let dir = comptoir_core::paths::resolve_data_dir(data_dir)?;
        Ok(Self { db: Db::open_in(&dir).await? })
    }
}
