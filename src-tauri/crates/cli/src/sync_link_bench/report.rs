//! What the bench tells: progress for people on stderr, and the table of the runs (and
//! the server's check) on stdout.

use super::Out;
use crate::output::line;

/// Progress for people, on stderr (stdout is the table or the JSON).
pub(super) fn progress(s: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{s}");
}

pub(super) fn mb(bytes: u64) -> String {
    format!("{:.1} Mo", bytes as f64 / 1e6)
}

pub(super) fn print_table(out: &Out) -> anyhow::Result<()> {
    line(format!(
        "bench sync-link : {} produits, une photo 12 Mpx chacun (originaux {}), latence {} ms, {}",
        out.products,
        mb(out.originals_bytes),
        out.latency_ms,
        out.cut_every_kb.map_or_else(|| "pas de coupure".to_owned(), |k| format!("coupure tous les ~{k} Ko (±25 %)"))
    ));
    line(format!(
        "{:>9} {:>9} {:>10} {:>10} {:>10} {:>6} {:>11} {:>10} {:>6} {:>7} {:>8}",
        "débit",
        "durée",
        "min photos",
        "min +lots",
        "min relayé",
        "effic.",
        "photos env.",
        "originaux",
        "ratio",
        "passes",
        "requêtes"
    ));
    for r in &out.runs {
        line(format!(
            "{:>5} Ko/s {:>7.1} s {:>8.1} s {:>8.1} s {:>8.1} s {:>6.2} {:>11} {:>10} {:>6.3} {:>7} {:>8}{}",
            r.rate_kb_per_s,
            r.wall_s,
            r.min_photos_s,
            r.min_s,
            r.min_relayed_s,
            r.efficiency,
            mb(r.photo_bytes_sent),
            mb(r.originals_bytes),
            r.ratio,
            format!("{}/{}", r.passes, r.offline_passes),
            r.requests,
            if r.complete { "" } else { "  INCOMPLET" }
        ));
    }
    line(
        "min photos : rendus ÷ débit ; min +lots : rendus + corps des lots du catalogue ÷ débit (la base de l'efficacité) ;",
    );
    line("min relayé : tout ce que la ligne a porté vers le serveur, perdu aux coupures compris, ÷ débit ;");
    line("passes : toutes / hors ligne ; objectif d'efficacité ≥ 0,8");
    for r in &out.runs {
        let c = &r.check;
        line(format!(
            "{:>5} Ko/s : rendus {}, lots {:.1} Ko, relayé {} en {} connexion(s), {} coupure(s) ({} perdus) ; \
             serveur : {}/{} photos conformes (JPEG, sans EXIF/XMP/IPTC, ≤ côté max), {} identiques aux rendus locaux",
            r.rate_kb_per_s,
            mb(r.renders_bytes),
            r.catalogue_bytes as f64 / 1e3,
            mb(r.bytes_relayed_up),
            r.connections,
            r.cuts,
            mb(r.bytes_lost_at_cuts),
            c.conform,
            c.listed,
            c.same_as_local_render
        ));
        if c.listed != c.expected {
            line(format!("      attendu {} photos sur le serveur, {} listées", c.expected, c.listed));
        }
        for p in &c.problems {
            line(format!("      ✗ {p}"));
        }
        if let Some(e) = &r.last_error {
            line(format!("      dernier échec : {e}"));
        }
    }
    Ok(())
}
