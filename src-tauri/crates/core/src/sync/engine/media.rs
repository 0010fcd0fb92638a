//! Which images the server holds (`media/check`, asked once per image and pass), and
//! the photo lane's uploads as they end.

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
        let mut ask: Vec<String> = Vec::new();
        for i in images {
            if !self.on_server.contains(i) && !self.missing.contains(i) && !ask.contains(i) {
                ask.push(i.clone());
            }
        }
        for chunk in ask.chunks(1000) {
            self.report.requests += 1;
            self.report.bytes_sent += (chunk.len() * 67 + 12) as u64;
            let hashes = chunk.to_vec();
            let answer = self
                .patiently(|c| {
                    let hashes = hashes.clone();
                    async move { c.media_check_detailed(&hashes).await }
                })
                .await
                .map_err(|e| api_error(&e))?;
            let present: Vec<String> = chunk.iter().filter(|h| !answer.missing.contains(h)).cloned().collect();
            self.db.mark_media_on_server(&present, self.now).await?;
            self.on_server.extend(present);
            self.partial.extend(answer.partial);
            self.missing.extend(answer.missing);
        }
        Ok(())
    }
}
