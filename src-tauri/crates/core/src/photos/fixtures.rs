//! Small synthetic photos for tests (core, CLI, desktop shell): JPEGs with an EXIF block
//! (orientation, GPS) built by hand, CMYK/grey/progressive JPEGs, PNG with alpha, WebP.

use std::io::Cursor;

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use super::raster::Rgb;

/// A detailed test card: top-left quadrant red, the rest a blue/white checkerboard of
/// 8 px squares (sharp edges everywhere, so it is not "blurry").
pub fn test_card(width: u32, height: u32) -> Rgb {
    let mut data = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let px = if x < width / 2 && y < height / 2 {
                [220, 30, 30]
            } else if ((x / 8) + (y / 8)) % 2 == 0 {
                [30, 40, 200]
            } else {
                [235, 235, 235]
            };
            data.extend(px);
        }
    }
    Rgb::new(width, height, data)
}

fn compressor(quality: i32, progressive: bool, subsamp: Subsamp) -> Compressor {
    let mut c = Compressor::new().expect("turbojpeg");
    c.set_quality(quality).expect("quality");
    c.set_subsamp(subsamp).expect("subsamp");
    c.set_progressive(progressive).expect("progressive");
    c
}

/// A plain baseline (or progressive) JPEG of `img`.
pub fn jpeg(img: &Rgb, progressive: bool) -> Vec<u8> {
    let image = Image {
        pixels: img.data.as_slice(),
        width: img.width as usize,
        pitch: img.width as usize * 3,
        height: img.height as usize,
        format: PixelFormat::RGB,
    };
    compressor(92, progressive, Subsamp::Sub2x2).compress_to_vec(image).expect("jpeg")
}

/// A one-component greyscale JPEG.
pub fn grey_jpeg(width: u32, height: u32, level: u8) -> Vec<u8> {
    let pixels = vec![level; (width * height) as usize];
    let image = Image {
        pixels: pixels.as_slice(),
        width: width as usize,
        pitch: width as usize,
        height: height as usize,
        format: PixelFormat::GRAY,
    };
    compressor(90, false, Subsamp::Gray).compress_to_vec(image).expect("grey jpeg")
}

/// A CMYK JPEG (as print shops and Photoshop write), every pixel `cmyk` in the inverted
/// Adobe convention libjpeg-turbo uses.
pub fn cmyk_jpeg(width: u32, height: u32, cmyk: [u8; 4]) -> Vec<u8> {
    let pixels: Vec<u8> = cmyk.iter().copied().cycle().take((width * height * 4) as usize).collect();
    let image = Image {
        pixels: pixels.as_slice(),
        width: width as usize,
        pitch: width as usize * 4,
        height: height as usize,
        format: PixelFormat::CMYK,
    };
    compressor(95, false, Subsamp::None).compress_to_vec(image).expect("cmyk jpeg")
}

/// The APP1 EXIF segment of a phone: orientation, and GPS (version + latitude ref) if asked.
pub fn exif_app1(orientation: u16, gps: bool) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    let entries: u16 = if gps { 2 } else { 1 };
    tiff.extend(entries.to_le_bytes());
    // Orientation, SHORT × 1
    tiff.extend(0x0112u16.to_le_bytes());
    tiff.extend(3u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend(orientation.to_le_bytes());
    tiff.extend([0, 0]);
    if gps {
        let gps_ifd = 8 + 2 + 12 * 2 + 4;
        tiff.extend(0x8825u16.to_le_bytes());
        tiff.extend(4u16.to_le_bytes());
        tiff.extend(1u32.to_le_bytes());
        tiff.extend((gps_ifd as u32).to_le_bytes());
    }
    tiff.extend(0u32.to_le_bytes());
    if gps {
        tiff.extend(2u16.to_le_bytes());
        // GPSVersionID BYTE × 4 = 2.2.0.0
        tiff.extend(0x0000u16.to_le_bytes());
        tiff.extend(1u16.to_le_bytes());
        tiff.extend(4u32.to_le_bytes());
        tiff.extend([2, 2, 0, 0]);
        // GPSLatitudeRef ASCII × 2 = "N"
        tiff.extend(0x0001u16.to_le_bytes());
        tiff.extend(2u16.to_le_bytes());
        tiff.extend(2u32.to_le_bytes());
        tiff.extend(*b"N\0\0\0");
        tiff.extend(0u32.to_le_bytes());
    }
    let mut seg = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    seg.extend(len.to_be_bytes());
    seg.extend(b"Exif\0\0");
    seg.extend(tiff);
    seg
}

/// `jpeg` with an EXIF block inserted right after SOI.
pub fn with_exif(jpeg: &[u8], orientation: u16, gps: bool) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend(exif_app1(orientation, gps));
    out.extend(&jpeg[2..]);
    out
}

/// A JPEG whose frame header announces `width` × `height` and that holds no image data:
/// the shape of a decompression bomb.
pub fn jpeg_bomb(width: u16, height: u16) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    b.extend(height.to_be_bytes());
    b.extend(width.to_be_bytes());
    b.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    b.extend([0xFF, 0xD9]);
    b
}

/// An RGBA PNG: opaque `img` with a transparent left half.
pub fn png_half_transparent(img: &Rgb) -> Vec<u8> {
    let mut rgba = Vec::with_capacity((img.width * img.height * 4) as usize);
    for y in 0..img.height {
        for x in 0..img.width {
            let p = img.pixel(x, y);
            rgba.extend([p[0], p[1], p[2], if x < img.width / 2 { 0 } else { 255 }]);
        }
    }
    let buf = image::RgbaImage::from_raw(img.width, img.height, rgba).expect("rgba");
    let mut out = Cursor::new(Vec::new());
    buf.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

/// A lossless WebP of `img`.
pub fn webp(img: &Rgb) -> Vec<u8> {
    let buf = image::RgbImage::from_raw(img.width, img.height, img.data.clone()).expect("rgb");
    let mut out = Cursor::new(Vec::new());
    buf.write_to(&mut out, image::ImageFormat::WebP).expect("webp");
    out.into_inner()
}

/// Decodes a JPEG derivative for checks (full size, RGB).
pub fn decode_jpeg(jpeg: &[u8]) -> Rgb {
    let img = turbojpeg::decompress(jpeg, PixelFormat::RGB).expect("decode");
    let mut data = Vec::with_capacity(img.width * img.height * 3);
    for row in img.pixels.chunks(img.pitch) {
        data.extend(&row[..img.width * 3]);
    }
    Rgb::new(img.width as u32, img.height as u32, data)
}
