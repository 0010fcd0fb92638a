//! rapport.txt: the facts in French, for the person at support who opens the zip.
//! Dates in Paris time (the shop's), with UTC beside the report's own date so that
//! log lines (UTC) can be matched.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use comptoir_protocol::orders::OrderStatus;

use super::Facts;
use super::redact::MASK;
use crate::orders::time::format_fr;

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "jamais".to_owned(), |t| format!("{} (heure de Paris)", format_fr(t)))
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} Mo", b as f64 / (1024.0 * 1024.0)).replace('.', ","),
        b if b >= 1024 => format!("{} Ko", b / 1024),
        b => format!("{b} octets"),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "oui" } else { "non" }
}

fn or_none(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("aucune")
}

pub(super) fn render(f: &Facts) -> String {
    let mut t = String::new();
    // Writing to a String cannot fail.
    let mut line = |s: String| {
        let _ = writeln!(t, "{s}");
    };
    line("Comptoir — rapport pour l'assistance".into());
    line(format!("Créé le {} — {}", when(Some(f.created_at)), f.created_at.format("%Y-%m-%dT%H:%M:%SZ")));
    line(format!("Les noms, téléphones et adresses e-mail des clients, et les jetons, sont remplacés par « {MASK} »."));

    line(String::new());
    line("== Versions ==".into());
    line(format!("Programme : {}", f.program));
    line(format!("comptoir-core : {}", f.core_version));
    line(format!("Protocole de la place de marché : MSP/{}", f.protocol_version));
    let kernel = f.system.kernel.as_deref().map(|k| format!(", noyau {k}")).unwrap_or_default();
    line(format!("Système : {} ({} {}{kernel})", f.system.name, f.system.os, f.system.arch));

    let db = &f.database;
    line(String::new());
    line("== Base de données ==".into());
    line(format!("Dossier de données : {}", f.data_dir));
    line(format!("Fichier : {} — {} (journal WAL : {})", db.file, size(db.bytes), size(db.wal_bytes)));
    line(format!(
        "Version du schéma : {} (cette version de Comptoir : {})",
        db.schema_version, db.schema_version_of_build
    ));
    if db.integrity_ok {
        line("Contrôle d'intégrité (PRAGMA integrity_check) : ok — la base est saine".into());
    } else {
        line(format!(
            "Contrôle d'intégrité (PRAGMA integrity_check) : EN ÉCHEC — {} problème(s) :",
            db.integrity_check.len()
        ));
        for p in db.integrity_check.iter().take(50) {
            line(format!("  - {p}"));
        }
    }

    let c = &f.counts;
    line(String::new());
    line("== Contenu ==".into());
    line(format!("Produits : {} (dont {} publiés)", c.products, c.published_products));
    line(format!("Variantes : {}", c.variants));
    line(format!("Catégories : {}", c.categories));
    line(format!("Photos : {} (liées aux produits : {})", c.photos, c.product_photos));
    let by_status: Vec<String> = c
        .orders_by_status
        .iter()
        .map(|(s, n)| format!("{} : {n}", crate::orders::status_label(OrderStatus::parse(s))))
        .collect();
    let by_status = if by_status.is_empty() { String::new() } else { format!(" ({})", by_status.join(", ")) };
    line(format!("Commandes : {}{by_status}", c.orders));
    line(format!("Promotions : {}", c.promotions));
    line(format!(
        "Campagnes : {} de la boutique, {} annoncées par la place de marché",
        c.campaigns, c.market_campaigns
    ));
    line(format!("Imports : {} (dont {} annulés)", c.import_batches, c.import_batches_undone));
    line(format!("Modifications à envoyer : {} (dont {} en erreur)", c.outbox_pending, c.outbox_failing));
    line(format!("Points à vérifier (synchronisation) : {}", c.sync_issues));
    line(format!(
        "Actions sur les commandes : {} en attente d'envoi, {} en échec",
        c.order_actions_pending, c.order_actions_failed
    ));

    let s = &f.sync;
    line(String::new());
    line("== Synchronisation ==".into());
    line(format!("Connecté à une place de marché : {}", yes_no(s.connected)));
    if s.connected {
        line(format!("Place de marché : {}", or_none(&s.marketplace_url)));
        line(format!("Boutique : {} ({})", or_none(&s.shop_id), or_none(&s.shop_name)));
    }
    line(format!("Dernière synchronisation réussie : {}", when(s.last_success_at)));
    line(format!("Dernier rapprochement complet : {}", when(s.reconciled_at)));
    if let Some(t) = s.offline_since {
        line(format!("Place de marché injoignable depuis : {}", when(Some(t))));
    }
    line(format!("Échecs consécutifs : {} ; prochain essai : {}", s.failures, when(s.retry_at)));
    line(format!("Dernière erreur : {}", or_none(&s.last_error)));
    line(format!("Position dans les événements du catalogue : {}", s.events_after));

    let o = &f.orders_feed;
    line(String::new());
    line("== Commandes (flux d'événements) ==".into());
    line(format!("Dernier événement acquitté : {}", o.last_seq));
    line(format!("Rapprochées jusqu'au : {}", stored_time(&o.reconciled_until)));
    line(format!("Dernière commande reçue : {}", stored_time(&o.last_order_received_at)));

    let b = &f.backups;
    line(String::new());
    line("== Sauvegardes ==".into());
    line(format!("Dossier sur le PC : {}", b.folder));
    line(format!("Sauvegardes : {} (dont {} sur la destination)", b.count, b.on_destination));
    match (&b.last_at, &b.last_path) {
        (Some(t), Some(p)) => {
            line(format!("Dernière sauvegarde : {}, {} — {p}", when(Some(*t)), b.last_reason.as_deref().unwrap_or("")))
        }
        _ => line("Dernière sauvegarde : aucune".into()),
    }
    match &b.destination {
        Some(d) => line(format!(
            "Destination : {d} — {}, {}",
            if b.destination_present { "branchée" } else { "ABSENTE" },
            if b.destination_encrypted { "chiffrée" } else { "non chiffrée" }
        )),
        None => line("Destination : aucune (sauvegardes sur le PC seulement)".into()),
    }
    if let Some(e) = &b.error {
        line(format!("Liste des sauvegardes illisible : {e}"));
    }

    line(String::new());
    line("== Journaux joints (dossier journaux/) ==".into());
    if f.logs.is_empty() {
        line("aucun journal des derniers jours".into());
    }
    for l in &f.logs {
        let part = if l.included_bytes < l.bytes {
            format!(", les derniers {}", size(l.included_bytes))
        } else {
            String::new()
        };
        line(format!("{} — {}{part}, modifié le {}", l.name, size(l.bytes), when(l.modified_at)));
    }

    line(String::new());
    line(format!("== Dernières erreurs ({}, les plus récentes d'abord) ==", f.recent_errors.len()));
    if f.recent_errors.is_empty() {
        line("aucune".into());
    }
    for e in &f.recent_errors {
        let at = e.at.map_or_else(|| "date inconnue".to_owned(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        line(format!("{at} {} [{}] {}", e.level, e.origin, e.message));
    }
    t
}

/// A time as storage keeps it (RFC 3339 text), in Paris time.
fn stored_time(s: &Option<String>) -> String {
    match s {
        None => "jamais".to_owned(),
        Some(s) => DateTime::parse_from_rfc3339(s).map_or_else(|_| s.clone(), |t| when(Some(t.with_timezone(&Utc)))),
    }
}
