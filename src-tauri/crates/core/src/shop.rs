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
/// there, from what the database holds — never ticked by a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct FirstSteps {
    /// 1. Its products: at least one.
    pub products: i64,
    /// 2. Their photos: every product has one (`without_photo` says what is left).
    pub without_photo: i64,
    /// 3. The marketplace: connected with a pairing code.
    pub connected: bool,
    /// 4. On sale: published products, and those the marketplace has accepted.
    pub published: i64,
    pub on_marketplace: i64,
    /// Every step done.
    pub done: bool,
}

pub async fn first_steps(db: &Db) -> Result<FirstSteps> {
    let c = db.first_step_counts().await?;
    let done =
        c.products > 0 && c.without_photo == 0 && c.connected && c.published > 0 && c.on_marketplace >= c.published;
    Ok(FirstSteps {
        products: c.products,
        without_photo: c.without_photo,
        connected: c.connected,
        published: c.published,
        on_marketplace: c.on_marketplace,
        done,
    })
}
