//! What the server holds, read back over HTTP after a rate's sync: every photo it lists
//! must hash to its name, be a JPEG without metadata segments, and be no larger than
//! the preset's main image.

use anyhow::Context;
use comptoir_protocol::client::Client;
use comptoir_protocol::hash::sha256_hex;

use super::Check;
use super::corpus::segments;
use super::shop::Prepared;

/// What a photo read back from the server must be: a JPEG, no metadata segment, no
/// larger than the preset's main image. Returns its size.
pub(super) fn inspect_jpeg(b: &[u8], main_max: u32) -> Result<(u32, u32), String> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err("pas un JPEG".into());
    }
    let mut size = None;
    let mut scan = false;
    for (marker, seg) in segments(b) {
        match marker {
            0xE1 => return Err("segment APP1 (EXIF ou XMP) présent".into()),
            0xED => return Err("segment APP13 (IPTC) présent".into()),
            // Every SOFn (C4 is DHT, C8 reserved, CC is DAC): height then width.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && seg.len() >= 9 => {
                let h = u32::from(u16::from_be_bytes([seg[5], seg[6]]));
                let w = u32::from(u16::from_be_bytes([seg[7], seg[8]]));
                size = Some((w, h));
            }
            0xDA => scan = true,
            _ => {}
        }
    }
    if !scan {
        return Err("JPEG tronqué ou illisible (pas de données d'image)".into());
    }
    let (w, h) = size.ok_or("JPEG sans dimensions")?;
    if w.max(h) > main_max {
        return Err(format!("{w} × {h} : plus grand que {main_max} px"));
    }
    Ok((w, h))
}

/// Reads back every photo the server holds for the shop and checks it.
pub(super) async fn check_server(client: &Client, shop: &[Prepared], main_max: u32) -> anyhow::Result<Check> {
    let local: std::collections::HashSet<&str> = shop.iter().map(|p| p.render_sha.as_str()).collect();
    let mut check = Check { expected: shop.len(), ..Check::default() };
    let mut cursor: Option<String> = None;
    loop {
        let page = client.media_list(cursor.as_deref(), Some(500)).await.context("GET /v1/media")?;
        for item in page.items {
            check.listed += 1;
            let (content_type, bytes) =
                client.media_get(&item.sha256).await.with_context(|| format!("GET /v1/media/{}", item.sha256))?;
            let verdict = if sha256_hex(&bytes) != item.sha256 {
                Err("contenu différent de son empreinte".to_owned())
            } else if content_type != "image/jpeg" {
                Err(format!("servie comme {content_type}"))
            } else {
                inspect_jpeg(&bytes, main_max).map(|_| ())
            };
            match verdict {
                Ok(()) => check.conform += 1,
                Err(why) if check.problems.len() < 5 => check.problems.push(format!("{} : {why}", &item.sha256[..12])),
                Err(_) => {}
            }
            if local.contains(item.sha256.as_str()) {
                check.same_as_local_render += 1;
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(check)
}
