//! EXIF orientation: decoders ignore it, so it is read here (kamadak-exif) and applied
//! after resizing, on the small image, where it costs little.

use std::io::Cursor;

use super::raster::Orientation;

/// The orientation written by the camera; upright when there is none or it is unreadable
/// (a damaged EXIF block must not cost the photo).
pub fn exif_orientation(bytes: &[u8]) -> Orientation {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return Orientation::UPRIGHT;
    };
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .map(Orientation::from_exif)
        .unwrap_or(Orientation::UPRIGHT)
}
