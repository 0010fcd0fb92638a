//! The shopkeeper's notification preferences: when to be reminded of an order still
//! waiting for acceptance, and whether notifications play a sound. Kept in the shop's
//! database so the app and `orders watch` on the same PC behave alike.

use serde::{Deserialize, Serialize};

use super::notify::NotifyConfig;
use crate::{Db, Error, Result};

const REMIND: &str = "orders.remind_after_min";
const SOUND: &str = "orders.sound";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct OrderSettings {
    /// Remind of an order still waiting for acceptance after this many minutes; 0: never.
    pub remind_after_min: u32,
    pub sound: bool,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self { remind_after_min: 10, sound: false }
    }
}

impl OrderSettings {
    /// The notification policy these preferences give.
    pub fn notify_config(&self) -> NotifyConfig {
        NotifyConfig {
            remind_after: (self.remind_after_min > 0)
                .then(|| std::time::Duration::from_secs(u64::from(self.remind_after_min) * 60)),
            sound: self.sound,
            ..NotifyConfig::default()
        }
    }
}

pub async fn load(db: &Db) -> Result<OrderSettings> {
    let d = OrderSettings::default();
    Ok(OrderSettings {
        remind_after_min: db.setting(REMIND).await?.and_then(|v| v.parse().ok()).unwrap_or(d.remind_after_min),
        sound: db.setting(SOUND).await?.map_or(d.sound, |v| v == "1"),
    })
}

/// Saves the preferences; a reminder delay over a day is refused (an order must be
/// accepted well before that).
pub async fn save(db: &Db, s: &OrderSettings) -> Result<()> {
    if s.remind_after_min > 24 * 60 {
        return Err(Error::invalid(
            "remind_after_min",
            "too_long",
            "Le rappel doit venir dans les 24 heures (1440 minutes au plus)",
        ));
    }
    db.set_setting(REMIND, &s.remind_after_min.to_string()).await?;
    db.set_setting(SOUND, if s.sound { "1" } else { "0" }).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_minutes_means_no_reminder() {
        let c = OrderSettings { remind_after_min: 0, sound: true }.notify_config();
        assert_eq!(c.remind_after, None);
        assert!(c.sound);
        let c = OrderSettings::default().notify_config();
        assert_eq!(c.remind_after, Some(std::time::Duration::from_secs(600)));
    }

    #[tokio::test]
    async fn preferences_are_kept_and_a_day_is_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_in(dir.path()).await.unwrap();
        assert_eq!(load(&db).await.unwrap(), OrderSettings::default());
        save(&db, &OrderSettings { remind_after_min: 25, sound: true }).await.unwrap();
        assert_eq!(load(&db).await.unwrap(), OrderSettings { remind_after_min: 25, sound: true });
        let err = save(&db, &OrderSettings { remind_after_min: 2000, sound: false }).await.unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Validation);
        assert_eq!(load(&db).await.unwrap().remind_after_min, 25, "nothing saved on refusal");
    }
}
