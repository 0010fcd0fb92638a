//! Whether a shop has started: the one rule the app's navigation, the guided start and
//! every front share.
//!
//! A shop has started when the welcome screen's choice was made, or when the database
//! already holds a shop: products (made by the CLI, an import, a restored backup or a
//! recovery from the marketplace), orders, or a marketplace connection. It is decided
//! from what the database holds, never from a flag only one screen sets: a shop filled
//! any other way would otherwise open on the welcome screen with no navigation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Db, Result};

/// The setting recording the welcome screen's choice.
const CHOICE: &str = "onboarded";

/// The welcome screen's two ways in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum StartChoice {
    /// The demo shop (products, photos, categories), to look around.
    Demo,
    /// An empty shop, to fill with one's own products.
    Clean,
}

/// Whether the shop has started (see the module's doc).
pub async fn has_started(db: &Db) -> Result<bool> {
    let f = db.shop_facts(CHOICE).await?;
    Ok(f.choice.is_some() || f.products > 0 || f.orders > 0 || f.connected)
}

/// Records the welcome screen's choice; the demo shop is installed first (only into an
/// empty catalogue). Returns the number of products installed.
pub async fn start(db: &Db, choice: StartChoice, now: DateTime<Utc>) -> Result<u32> {
    let installed = match choice {
        StartChoice::Demo => crate::demo::seed(db, now).await? as u32,
        StartChoice::Clean => 0,
    };
    let value = match choice {
        StartChoice::Demo => "demo",
        StartChoice::Clean => "clean",
    };
    db.set_setting(CHOICE, value).await?;
    Ok(installed)
}

/// The guided start (« Premiers pas »): four steps, each done when the shop really is
/// there, from what the database holds — never ticked by a click. The counts say what
/// is left; the flags are the rule, decided here so no window re-derives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct FirstSteps {
    pub products: i64,
    pub without_photo: i64,
    pub published: i64,
    /// Published products the marketplace has accepted.
    pub on_marketplace: i64,
    /// 1. Its products: at least one.
    pub products_done: bool,
    /// 2. Their photos: every product has one.
    pub photos_done: bool,
    /// 3. The marketplace: connected with a pairing code.
    pub market_done: bool,
    /// 4. On sale: products published, and all of them accepted by the marketplace.
    pub publish_done: bool,
    /// Every step done.
    pub done: bool,
}

pub async fn first_steps(db: &Db) -> Result<FirstSteps> {
    let c = db.first_step_counts().await?;
    let products_done = c.products > 0;
    let photos_done = products_done && c.without_photo == 0;
    let publish_done = c.published > 0 && c.on_marketplace >= c.published;
    Ok(FirstSteps {
        products: c.products,
        without_photo: c.without_photo,
        published: c.published,
        on_marketplace: c.on_marketplace,
        products_done,
        photos_done,
        market_done: c.connected,
        publish_done,
        done: products_done && photos_done && c.connected && publish_done,
    })
}

/// The one-page quick start the département's support staff hand out: a self-contained
/// printable page (A4, no script, no link), in French, from the install to the first
/// order. Printed by the app like the pick list; `comptoir-cli quickstart` writes it.
pub fn quick_start_html(version: &str) -> String {
    const STEPS: &[(&str, &[&str])] = &[
        (
            "1. Vos produits",
            &[
                "Import / export → « Choisir un fichier… » : le tableur de votre caisse (Excel, LibreOffice, CSV) est lu tel quel.",
                "Vérifiez les colonnes proposées, puis la simulation : rien n'est écrit avant « Importer ».",
                "Vos mots sont compris : bouteille, pot, barquette, séance, « sur commande », « illimité ».",
                "Ou à la main : Catalogue → « Nouveau produit » (Ctrl+N), Ctrl+S enregistre.",
            ],
        ),
        (
            "2. Vos photos",
            &[
                "Photos → choisissez le dossier (ou le téléphone, ou la webcam).",
                "Une photo nommée par la référence (CAM-250.jpg) trouve seule son produit ; vérifiez, puis « Rattacher ».",
                "Seul le rendu du studio part sur internet : redressé, recadré, sans position GPS.",
            ],
        ),
        (
            "3. La place de marché",
            &[
                "Place de marché → l'adresse et le code d'appairage reçus du département → « Connecter ».",
                "Tout se synchronise ensuite seul, même après une coupure d'internet ; la barre du bas dit où en est l'envoi.",
            ],
        ),
        (
            "4. Publier",
            &[
                "Passez vos produits en « Publié ». Un produit alimentaire demande ses ingrédients, ses allergènes (ou « aucun »), sa conservation et sa quantité nette : l'éditeur dit ce qui manque.",
                "« Premiers pas », en haut du catalogue, coche chaque étape quand elle est vraiment faite.",
            ],
        ),
        (
            "Chaque jour",
            &[
                "Commandes : elles arrivent seules, avec une notification. Acceptez, préparez (liste de préparation imprimable), marquez prête puis retirée.",
                "Sauvegardes : une par jour, automatiquement ; branchez une clé USB et choisissez-la dans Sauvegardes pour une copie hors du poste.",
            ],
        ),
    ];
    let mut h = String::with_capacity(4096);
    h.push_str(
        "<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Comptoir — démarrage rapide</title>",
    );
    h.push_str(
        "<style>@page{size:A4;margin:14mm}body{font-family:system-ui,sans-serif;font-size:11pt;line-height:1.35}\
         h1{font-size:17pt;margin:0 0 4px}h2{font-size:12.5pt;margin:12px 0 4px}ul{margin:0;padding-left:18px}\
         li{margin:2px 0}.keys{border:1px solid #999;padding:6px 10px;margin-top:12px}.small{color:#555;font-size:9pt}</style>\
         </head><body>\n",
    );
    h.push_str("<h1>Comptoir — démarrage rapide</h1>\n");
    h.push_str("<p>Le back-office de votre boutique sur la place de marché de l'Orne. Vos données restent sur ce poste, même sans internet.</p>\n");
    for (title, points) in STEPS {
        h.push_str(&format!("<h2>{title}</h2>\n<ul>"));
        for p in *points {
            h.push_str(&format!("<li>{p}</li>"));
        }
        h.push_str("</ul>\n");
    }
    h.push_str(
        "<div class=\"keys\"><strong>Raccourcis</strong> : F1 ou « ? » aide de l'écran · Alt+1…8 les écrans · \
         Ctrl+N nouveau produit · Ctrl+S enregistrer · Échap fermer · Ctrl + / Ctrl − taille du texte.</div>\n",
    );
    h.push_str(&format!(
        "<p class=\"small\">Une question ? L'équipe de la place de marché du département vous aide. Comptoir {version}.</p>\n</body></html>\n"
    ));
    h
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_quick_start_is_one_printable_page_in_french() {
        let h = super::quick_start_html("1.2.3");
        for step in ["1. Vos produits", "2. Vos photos", "3. La place de marché", "4. Publier", "Comptoir 1.2.3"] {
            assert!(h.contains(step), "{step}");
        }
        assert!(h.contains("@page{size:A4"));
        assert!(!h.contains("<script") && !h.contains("href="), "self-contained, nothing to run or follow");
    }
}
