//! Which images the server holds (`media/check`, asked once per image and pass), and
//! the photo lane's uploads as they end.

use std::collections::HashSet;

use super::{Pass, SResult, api_error};
use crate::sync::upload::Uploaded;

impl Pass<'_> {
    /// A photo upload ended.
    pub(super) async fn uploaded(&mut self, u: Uploaded) -> SResult<()> {
        match u.result {
            Ok(n) => {
                self.missing.remove(&u.sha256);
                self.on_server.insert(u.sha256.clone());
                self.db.mark_media_on_server(std::slice::from_ref(&u.sha256), self.now).await?;
                self.report.requests += 1;
                if n > 0 {
                    self.report.photos_uploaded += 1;
                    self.report.photo_bytes += n;
                    self.report.bytes_sent += n;
                }
            }
            Err(e) => self.failed.push((u.sha256, e)),
        }
        Ok(())
    }

    /// Asks the server which of `images` it holds, for those not asked yet.
    pub(super) async fn check_media(&mut self, images: &[String]) -> SResult<()> {
        let mut asking = MediaQuestions::default();
        for i in images {
            self.ask_media(&mut asking, i).await?;
        }
        self.media_answers(asking).await
    }

    /// Puts `image` among the questions unless the server was asked about it already;
    /// asks as soon as [`MEDIA_CHECK_CHUNK`] wait.
    pub(super) async fn ask_media(&mut self, asking: &mut MediaQuestions, image: &str) -> SResult<()> {
        if self.on_server.contains(image) || self.missing.contains(image) || !asking.waiting.insert(image.to_owned()) {
            return Ok(());
        }
        asking.order.push(image.to_owned());
        if asking.order.len() >= MEDIA_CHECK_CHUNK {
            let chunk = std::mem::take(&mut asking.order);
            asking.waiting.clear();
            self.media_check(chunk).await?;
        }
        Ok(())
    }

    /// Asks the questions still waiting.
    pub(super) async fn media_answers(&mut self, asking: MediaQuestions) -> SResult<()> {
        if asking.order.is_empty() {
            return Ok(());
        }
        self.media_check(asking.order).await
    }

    /// One `media/check` request.
    async fn media_check(&mut self, chunk: Vec<String>) -> SResult<()> {
        self.report.requests += 1;
        self.report.bytes_sent += (chunk.len() * 67 + 12) as u64;
        let answer = self
            .patiently(|c| {
                let hashes = chunk.clone();
                async move { c.media_check_detailed(&hashes).await }
            })
            .await
            .map_err(|e| api_error(&e))?;
        let present: Vec<String> = chunk.iter().filter(|h| !answer.missing.contains(h)).cloned().collect();
        self.db.mark_media_on_server(&present, self.now).await?;
        self.on_server.extend(present);
        self.partial.extend(answer.partial);
        self.missing.extend(answer.missing);
        Ok(())
    }
}

/// Images asked about in one `media/check` request, at most.
const MEDIA_CHECK_CHUNK: usize = 1000;

/// Images to ask the server about, gathered a few at a time (a page of the outbox) and
/// asked [`MEDIA_CHECK_CHUNK`] at a time, in the order they came: the same requests as
/// one list of every image would make, without that list.
#[derive(Default)]
pub(super) struct MediaQuestions {
    order: Vec<String>,
    waiting: HashSet<String>,
}
