//! JPEG encoding with libjpeg-turbo: 4:2:0 chroma, quality 85 by default, and nothing
//! but pixels: no EXIF (so no GPS, no serial numbers), no XMP, no ICC profile.

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use super::problem::PhotoProblem;
use super::raster::Rgb;

pub fn encode_jpeg(img: &Rgb, quality: u8) -> Result<Vec<u8>, PhotoProblem> {
    let mut c = Compressor::new().map_err(PhotoProblem::corrupt)?;
    c.set_quality(i32::from(quality)).map_err(PhotoProblem::corrupt)?;
    c.set_subsamp(Subsamp::Sub2x2).map_err(PhotoProblem::corrupt)?;
    let image = Image {
        pixels: img.data.as_slice(),
        width: img.width as usize,
        pitch: img.width as usize * 3,
        height: img.height as usize,
        format: PixelFormat::RGB,
    };
    c.compress_to_vec(image).map_err(PhotoProblem::corrupt)
}

/// True when the JPEG carries an APP1 segment (EXIF or XMP) before its image data.
pub fn has_app1(jpeg: &[u8]) -> bool {
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        if marker == 0xE1 {
            return true;
        }
        if marker == 0xDA {
            return false;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        i += 2 + len;
    }
    false
}
