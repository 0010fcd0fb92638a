//! `report OUT.zip`: the report for support (core's `report`), the same the app's
//! « Aide › Créer un rapport pour l'assistance » writes.

use std::path::{Path, PathBuf};

use clap::Args;
use comptoir_core::report::{self, ReportInput};

use crate::output;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The zip to write (replaced if it exists).
    pub out: PathBuf,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(data_dir: Option<&Path>, args: ReportArgs) -> anyhow::Result<()> {
    let dir = comptoir_core::paths::resolve_data_dir(data_dir)?;
    let db = crate::open_db(Some(&dir)).await?;
    // The token and the passphrase are masked wherever they leaked; a keychain that
    // cannot be read leaves them out, and they are then nowhere else to leak from.
    let secrets = report::keychain_secrets(&db).await;
    let input = ReportInput { data_dir: dir, program: format!("comptoir-cli {}", env!("CARGO_PKG_VERSION")), secrets };
    let s = report::write(&db, &input, &args.out, chrono::Utc::now()).await?;
    if args.json {
        return output::json(&s);
    }
    let size = if s.bytes >= 1_000_000 {
        format!("{:.1} Mo", s.bytes as f64 / 1e6).replace('.', ",")
    } else {
        format!("{} Ko", s.bytes.div_ceil(1000))
    };
    output::line(format!("Rapport pour l'assistance écrit dans {} ({size}, {} fichiers)", s.path, s.files));
    output::line(if s.integrity_ok {
        "Base de données : contrôle d'intégrité ok"
    } else {
        "Base de données : le contrôle d'intégrité a trouvé des problèmes (détail dans le rapport) ; envoyez-le à l'assistance"
    });
    Ok(())
}
