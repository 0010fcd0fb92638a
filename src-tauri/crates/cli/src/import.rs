//! `import FILE …`, `import undo BATCH`, `import history`, `export catalogue OUT`,
//! and `bench import`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand, ValueEnum};
use comptoir_core::import::{self, Control, ImportMode, PlanOptions, RowAction};
use serde::Serialize;

use crate::output::{json, line};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    command: Option<ImportCommand>,
    /// CSV, TSV, TXT, XLSX, XLS or ODS file.
    #[arg(required = true)]
    file: Option<PathBuf>,
    /// Sheet to read (default: the first one holding a table).
    #[arg(long)]
    sheet: Option<String>,
    /// Simulate only: print what would change, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// full: create and update; stock: only stock and price of known references;
    /// create: only new references.
    #[arg(long, value_enum, default_value_t = ModeArg::Full)]
    mode: ModeArg,
    /// Write the rejected rows to this XLSX, with an "Erreur" column.
    #[arg(long, value_name = "OUT.xlsx")]
    errors: Option<PathBuf>,
    /// When the file has no quantity column, store the net quantities read in the
    /// names (« Cidre brut 75 cl » → 75 cl); without it they are only proposed.
    #[arg(long)]
    quantities_from_names: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Puts the catalogue back as it was before import BATCH.
    Undo {
        batch: i64,
        #[arg(long)]
        json: bool,
    },
    /// Lists past imports, newest first.
    History {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Full,
    Stock,
    Create,
}

impl From<ModeArg> for ImportMode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Full => ImportMode::Full,
            ModeArg::Stock => ImportMode::Stock,
            ModeArg::Create => ImportMode::Create,
        }
    }
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The whole catalogue, one line per variant, to OUT.xlsx or OUT.csv.
    Catalogue {
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct ImportJson<'a> {
    file: &'a str,
    sheet: &'a str,
    dry_run: bool,
    mode: &'a str,
    header_row: u32,
    batch_id: Option<i64>,
    #[serde(flatten)]
    result: &'a import::Simulation,
}

pub async fn run(data_dir: Option<&Path>, args: ImportArgs) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    let now = chrono::Utc::now();
    match args.command {
        Some(ImportCommand::Undo { batch, json: as_json }) => {
            let r = import::undo(&db, batch, now).await?;
            if as_json {
                json(&r)?;
            } else {
                line(format!(
                    "Import n° {batch} annulé : {} produit(s) supprimé(s), {} remis dans leur état d'avant, {} catégorie(s) retirée(s)",
                    r.products_deleted, r.products_restored, r.categories_deleted
                ));
            }
        }
        Some(ImportCommand::History { json: as_json }) => {
            let batches = db.import_batches().await?;
            if as_json {
                json(&batches)?;
            } else if batches.is_empty() {
                line("Aucun import.");
            } else {
                for b in batches {
                    let state = b.undone_at.map(|u| format!(" — annulé le {u}")).unwrap_or_default();
                    line(format!(
                        "n° {:<4} {}  {}  créés {}, modifiés {}, inchangés {}, refusés {}{state}",
                        b.id, b.created_at, b.file_name, b.created, b.updated, b.unchanged, b.rejected
                    ));
                }
            }
        }
        None => {
            let file = args.file.unwrap_or_default();
            let control = Control::default();
            let options = PlanOptions {
                mode: args.mode.into(),
                quantities_from_names: args.quantities_from_names,
                ..PlanOptions::default()
            };
            let work = import::import_file(&db, &file, args.sheet.as_deref(), options, !args.dry_run, now, &control);
            let done = match db.path().parent() {
                // An import changes the shop in bulk: a backup first, as in the app.
                Some(dir) if !args.dry_run => {
                    comptoir_core::backup::then(dir, None, comptoir_core::backup::Reason::BeforeImport, now, work)
                        .await?
                }
                _ => work.await?,
            };
            let (source, result) = (&done.source, &done.result);
            if let Some(out) = &args.errors {
                std::fs::write(out, import::rejected_rows_xlsx(source, &done.settings, &result.errors)?)?;
            }
            if args.json {
                json(&ImportJson {
                    file: &source.file_name,
                    sheet: &source.sheet,
                    dry_run: args.dry_run,
                    mode: done.settings.options.mode.as_str(),
                    header_row: done.preview.header_row,
                    batch_id: done.batch_id,
                    result,
                })?;
            } else {
                print_report(source, &done.preview, result, done.batch_id, args.errors.as_deref());
            }
        }
    }
    db.close().await;
    Ok(())
}

fn print_report(
    source: &import::Source,
    preview: &import::FilePreview,
    r: &import::Simulation,
    batch_id: Option<i64>,
    errors_file: Option<&Path>,
) {
    let mut what = source.format.label().to_owned();
    if let Some(e) = &source.encoding {
        what.push_str(&format!(", {e}"));
    }
    if let Some(d) = &preview.delimiter {
        what.push_str(&format!(", séparateur « {d} »"));
    }
    if !source.sheet.is_empty() {
        what.push_str(&format!(", feuille « {} »", source.sheet));
    }
    line(format!("{} ({what}), en-têtes ligne {}", source.file_name, preview.header_row));
    let mapped: Vec<String> = preview
        .columns
        .iter()
        .filter_map(|c| c.field.map(|f| format!("{} {} → {}", c.letter, c.header, f.label())))
        .collect();
    line(format!("Colonnes : {}", mapped.join(" ; ")));
    for w in &r.warnings {
        line(format!("Attention : {w}"));
    }
    let verb = if batch_id.is_some() { "Import" } else { "Simulation (rien n'est écrit)" };
    line(format!(
        "{verb} : {} à créer, {} à modifier, {} inchangé(s), {} refusé(s)",
        r.counts.create, r.counts.update, r.counts.unchanged, r.counts.rejected
    ));
    let p = &r.promotions;
    if p.created + p.updated + p.unchanged + p.refused > 0 {
        let (created, updated) =
            if batch_id.is_some() { ("créée(s)", "modifiée(s)") } else { ("à créer", "à modifier") };
        line(format!(
            "Promotions : {} {created}, {} {updated}, {} inchangée(s), {} refusée(s)",
            p.created, p.updated, p.unchanged, p.refused
        ));
    }
    for row in r.rows.iter().filter(|o| o.action == RowAction::Update) {
        let changes: Vec<String> = row
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{} : {} → {}",
                    c.field.label(),
                    c.old.as_deref().unwrap_or("(vide)"),
                    c.new.as_deref().unwrap_or("(vide)")
                )
            })
            .collect();
        line(format!("  ligne {} {} : {}", row.row, row.key, changes.join(", ")));
    }
    if r.rows_omitted > 0 {
        line(format!("  (le détail s'arrête aux {} premières lignes de chaque sorte)", import::OUTCOMES_KEPT));
    }
    for c in &r.new_categories {
        line(format!("Nouvelle catégorie : {c}"));
    }
    let found: usize = r.photos.iter().map(|p| p.found.len()).sum();
    if !r.photos.is_empty() {
        line(format!(
            "Photos : {found} trouvée(s) dans la photothèque, {} introuvable(s)",
            r.photos.iter().map(|p| p.missing.len()).sum::<usize>()
        ));
    }
    for w in &r.row_warnings {
        line(format!("  {}", w.describe()));
    }
    if !r.quantity_proposals.is_empty() {
        let applied = r.quantity_proposals.iter().any(|q| q.applied);
        line(if applied {
            "Quantités nettes prises dans les noms :"
        } else {
            "Quantités nettes lues dans les noms (enregistrées avec --quantities-from-names) :"
        });
        for q in &r.quantity_proposals {
            let up = q.unit_price.as_deref().map(|u| format!(" ({u})")).unwrap_or_default();
            line(format!("  ligne {} {} « {} » → {}{up}", q.row, q.key, q.name, q.quantity));
        }
        if r.quantity_proposals_omitted > 0 {
            line(format!("  … et {} autre(s)", r.quantity_proposals_omitted));
        }
    }
    if !r.errors.is_empty() {
        line("Lignes refusées :");
        for e in &r.errors {
            line(format!("  {}", e.describe()));
        }
    }
    if let Some(f) = errors_file {
        line(format!("Lignes refusées écrites dans {}", f.display()));
    }
    if let Some(b) = batch_id {
        line(format!("Import n° {b} enregistré (annulable : comptoir-cli import undo {b})"));
    }
}

pub async fn export(data_dir: Option<&Path>, cmd: ExportCommand) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    match cmd {
        ExportCommand::Catalogue { out, json: as_json } => {
            let n = comptoir_core::export::export_catalogue(&db, &out, chrono::Utc::now()).await?;
            if as_json {
                json(&serde_json::json!({ "file": out, "rows": n }))?;
            } else {
                line(format!("{n} ligne(s) exportée(s) dans {}", out.display()));
            }
        }
    }
    db.close().await;
    Ok(())
}

// ---- bench import ----------------------------------------------------------------

/// One run of one file, measured in its own process so its peak memory is its own.
#[derive(Serialize, serde::Deserialize)]
pub struct OneRun {
    rows: u64,
    created: u32,
    /// `import_file`: the file to the committed catalogue, reading and writing overlapped
    /// (what `comptoir-cli import FILE` does).
    file_s: f64,
    /// The app's way: the file read when it is chosen, then « Importer » (read, apply).
    read_s: f64,
    apply_s: f64,
    /// After the commit: merging the search index and copying the write-ahead log into
    /// the database file (`import::settle`, which the app leaves to a background task).
    settle_s: f64,
    /// User + system CPU time of the whole run: the figure to compare when the shared
    /// machine is loaded and wall time mostly measures the other processes.
    cpu_s: f64,
    peak_mb: f64,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchWay {
    /// `read_file` only: what the parsed sheet alone takes, to compare the imports' peaks with.
    Read,
    /// `import_file`: read, plan and write overlapped.
    File,
    /// `read_file`, then `apply` (the app: the file is read when chosen).
    App,
}

pub async fn bench(rows: usize, keep: Option<PathBuf>, runs: usize) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let xlsx = dir.join(format!("bench-{rows}.xlsx"));
    let csv = dir.join(format!("bench-{rows}-cp1252.csv"));
    let t = Instant::now();
    write_bench_files(rows, &xlsx, &csv)?;
    line(format!("Fichiers générés ({rows} lignes) en {:.1} s dans {}", t.elapsed().as_secs_f64(), dir.display()));
    line(format!(
        "{runs} passage(s) de chaque, chacun dans une base neuve et son propre processus ; médiane [min – max]."
    ));
    let median = |mut v: Vec<f64>| -> (f64, f64, f64) {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    for (label, file) in [("XLSX", &xlsx), ("CSV cp1252 « ; »", &csv)] {
        let size = std::fs::metadata(file)?.len() as f64 / 1_048_576.0;
        line(format!("{label} ({size:.1} Mo)"));
        for way in [BenchWay::Read, BenchWay::File, BenchWay::App] {
            let mut all = Vec::new();
            for _ in 0..runs.max(1) {
                let data = tempfile::tempdir()?;
                let way_arg = match way {
                    BenchWay::Read => "read",
                    BenchWay::File => "file",
                    BenchWay::App => "app",
                };
                let out = std::process::Command::new(std::env::current_exe()?)
                    .args(["bench", "import-one", "--way", way_arg, "--into"])
                    .arg(data.path())
                    .arg(file)
                    .output()?;
                if !out.status.success() {
                    anyhow::bail!("{label} : {}", String::from_utf8_lossy(&out.stderr));
                }
                let r: OneRun = serde_json::from_slice(&out.stdout)?;
                anyhow::ensure!(r.created as u64 == r.rows, "{label} : {} lignes créées sur {}", r.created, r.rows);
                all.push(r);
            }
            let n = all[0].rows as f64;
            let col = |f: &dyn Fn(&OneRun) -> f64| median(all.iter().map(f).collect());
            let (cpu, _, _) = col(&|r| r.cpu_s);
            let (peak, _, _) = col(&|r| r.peak_mb);
            let (settle, _, _) = col(&|r| r.settle_s);
            match way {
                BenchWay::Read => {
                    let (read, lo, hi) = col(&|r| r.read_s);
                    line(format!(
                        "  lecture seule (la feuille en mémoire, rien d'écrit) : {read:.2} s [{lo:.2} – {hi:.2}], pic {peak:.0} Mo"
                    ));
                }
                BenchWay::File => {
                    let (m, lo, hi) = col(&|r| r.file_s);
                    line(format!(
                        "  fichier → catalogue (lecture et écriture en parallèle) : {m:.2} s [{lo:.2} – {hi:.2}], {:.0} lignes/s, CPU {cpu:.2} s, pic {peak:.0} Mo ; ensuite, en tâche de fond : index de recherche fusionné et point de contrôle {settle:.2} s",
                        n / m
                    ));
                }
                BenchWay::App => {
                    let (read, rlo, rhi) = col(&|r| r.read_s);
                    let (apply, alo, ahi) = col(&|r| r.apply_s);
                    line(format!(
                        "  appli : lecture à l'ouverture {read:.2} s [{rlo:.2} – {rhi:.2}], puis « Importer » {apply:.2} s [{alo:.2} – {ahi:.2}] ({:.0} lignes/s), CPU {cpu:.2} s, pic {peak:.0} Mo",
                        n / apply
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The child of `bench import`: one file to a committed catalogue in `--into`.
pub async fn bench_one(data_dir: &Path, file: &Path, way: BenchWay) -> anyhow::Result<()> {
    let db = comptoir_core::Db::open_in(data_dir).await?;
    let control = Control::default();
    let t = Instant::now();
    let (rows, created, file_s, read_s, apply_s) = match way {
        BenchWay::Read => {
            let source = import::read_file(file, None, &control)?;
            let read_s = t.elapsed().as_secs_f64();
            let rows = import::preview(&db, &source).await?.data_rows;
            (rows, rows, 0.0, read_s, 0.0)
        }
        BenchWay::File => {
            let done = import::import_file(&db, file, None, PlanOptions::default(), true, chrono::Utc::now(), &control)
                .await?;
            (done.preview.data_rows, done.result.counts.create, t.elapsed().as_secs_f64(), 0.0, 0.0)
        }
        BenchWay::App => {
            let source = std::sync::Arc::new(import::read_file(file, None, &control)?);
            let read_s = t.elapsed().as_secs_f64();
            let preview = import::preview(&db, &source).await?;
            let settings = import::default_settings(&preview);
            let t = Instant::now();
            let report = import::apply(&db, &source, &settings, chrono::Utc::now(), &control).await?;
            (preview.data_rows, report.result.counts.create, 0.0, read_s, t.elapsed().as_secs_f64())
        }
    };
    let t = Instant::now();
    import::settle(&db).await?;
    db.close().await;
    json(&OneRun {
        rows: rows.into(),
        created,
        file_s,
        read_s,
        apply_s,
        settle_s: t.elapsed().as_secs_f64(),
        cpu_s: cpu_seconds().unwrap_or(0.0),
        peak_mb: peak_memory_kb().unwrap_or(0) as f64 / 1024.0,
    })
}

/// utime + stime of the process so far (Linux `/proc/self/stat`, in clock ticks of
/// 1/100 s, the value every Linux port uses for USER_HZ).
pub(crate) fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// VmHWM: the process's peak resident memory (Linux).
pub(crate) fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The 1, 5 and 15-minute load averages (Linux `/proc/loadavg`), printed beside a
/// bench's figures: on a loaded machine wall times lie.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

const FAMILIES: [&str; 6] = ["Crèmerie", "Épicerie", "Boissons/Cave", "Confiserie", "Artisanat", "Beauté et bien-être"];

fn ean_for(i: usize) -> String {
    let body = format!("376{:09}", i);
    let check = comptoir_core::ean::check_digit(body.as_bytes());
    format!("{body}{check}")
}

/// The same catalogue as an XLSX (numbers as numbers) and as a cp1252 `;` CSV.
fn write_bench_files(rows: usize, xlsx: &Path, csv: &Path) -> anyhow::Result<()> {
    let headers = ["Référence", "Désignation", "Famille", "Prix TTC", "TVA", "Stock", "EAN", "Poids (g)"];
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let mut text = String::with_capacity(rows * 90);
    text.push_str(&headers.join(";"));
    text.push_str("\r\n");
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        let sku = format!("BEN-{i:06}");
        let name = format!("Produit n° {i} — pâté de campagne à l'ancienne");
        let family = FAMILIES[i % FAMILIES.len()];
        let cents = 99 + (i as i64 * 37) % 9900;
        let vat = if i % 3 == 0 { 0.2 } else { 0.055 };
        let stock = (i % 250) as f64;
        let ean = ean_for(i);
        let weight = 100 + (i % 20) * 50;
        ws.write_string(r, 0, &sku)?;
        ws.write_string(r, 1, &name)?;
        ws.write_string(r, 2, family)?;
        ws.write_number(r, 3, cents as f64 / 100.0)?;
        ws.write_number(r, 4, vat)?;
        ws.write_number(r, 5, stock)?;
        ws.write_string(r, 6, &ean)?;
        ws.write_number(r, 7, weight as f64)?;
        text.push_str(&format!(
            "{sku};{name};{family};{},{:02};{};{stock};{ean};{weight}\r\n",
            cents / 100,
            cents % 100,
            if i % 3 == 0 { "20" } else { "5,5" }
        ));
    }
    wb.save(xlsx)?;
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    std::fs::write(csv, bytes)?;
    Ok(())
}
