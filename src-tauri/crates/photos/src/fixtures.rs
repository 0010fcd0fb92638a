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

/// Something closer to a photograph than [`test_card`] for file sizes: smooth light
/// and colour gradients, a few soft round shapes, and sensor-like grain (a fixed
/// pseudo-random ±`grain`). A phone's 12 MP JPEG of it weighs megabytes, its 1600 px
/// render a few hundred kilobytes, as with real photos; the test card's 8 px
/// checkerboard instead compresses unrealistically well at full size and badly once
/// resampled.
pub fn photo_like(width: u32, height: u32, grain: u8) -> Rgb {
    let mut data = Vec::with_capacity((width * height * 3) as usize);
    let (w, h) = (width as f32, height as f32);
    let mut state: u32 = 0x9E37_79B9;
    for y in 0..height {
        let fy = y as f32 / h;
        for x in 0..width {
            let fx = x as f32 / w;
            // Two soft discs, like objects on a table.
            let d1 = ((fx - 0.35).powi(2) + (fy - 0.45).powi(2)).sqrt();
            let d2 = ((fx - 0.7).powi(2) + (fy - 0.6).powi(2)).sqrt();
            let disc = (1.0 - (d1 / 0.22).min(1.0)) * 90.0 - (1.0 - (d2 / 0.15).min(1.0)) * 60.0;
            let base = [60.0 + 120.0 * fx + disc, 80.0 + 90.0 * fy + disc * 0.5, 140.0 - 60.0 * fx + disc * 0.2];
            for b in base {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                let noise = (state % (2 * grain as u32 + 1)) as f32 - grain as f32;
                data.push((b + noise).clamp(0.0, 255.0) as u8);
            }
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

/// A colour space by its primaries and white point (CIE 1931 xy), to build test ICC
/// profiles and to compute in tests what a conversion must give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Primaries {
    pub red: [f64; 2],
    pub green: [f64; 2],
    pub blue: [f64; 2],
    pub white: [f64; 2],
}

/// sRGB / Rec. 709 primaries, D65 white.
pub const SRGB: Primaries =
    Primaries { red: [0.64, 0.33], green: [0.30, 0.60], blue: [0.15, 0.06], white: [0.3127, 0.3290] };

/// Display P3 (what iPhones tag their photos with): DCI-P3 primaries, D65 white.
pub const DISPLAY_P3: Primaries =
    Primaries { red: [0.680, 0.320], green: [0.265, 0.690], blue: [0.150, 0.060], white: [0.3127, 0.3290] };

/// The ICC profile connection space illuminant (D50), as ICC headers write it.
pub const D50: [f64; 3] = [0.9642, 1.0, 0.8249];

/// A 3 × 3 matrix, rows of columns.
pub type Mat3 = [[f64; 3]; 3];

pub fn mat_mul(a: &Mat3, b: &Mat3) -> Mat3 {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

pub fn mat_vec(a: &Mat3, v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| (0..3).map(|k| a[i][k] * v[k]).sum())
}

pub fn mat_inv(m: &Mat3) -> Mat3 {
    let c = |i: usize, j: usize| {
        let (r0, r1) = ((i + 1) % 3, (i + 2) % 3);
        let (c0, c1) = ((j + 1) % 3, (j + 2) % 3);
        m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
    };
    let det: f64 = (0..3).map(|j| m[0][j] * c(0, j)).sum();
    // inverse = adjugate / det; the adjugate is the transposed cofactor matrix.
    std::array::from_fn(|i| std::array::from_fn(|j| c(j, i) / det))
}

fn xy_to_xyz([x, y]: [f64; 2]) -> [f64; 3] {
    [x / y, 1.0, (1.0 - x - y) / y]
}

impl Primaries {
    /// Linear RGB → XYZ under the space's own white.
    pub fn to_xyz(&self) -> Mat3 {
        let [r, g, b] = [self.red, self.green, self.blue].map(xy_to_xyz);
        let p: Mat3 = [[r[0], g[0], b[0]], [r[1], g[1], b[1]], [r[2], g[2], b[2]]];
        let s = mat_vec(&mat_inv(&p), xy_to_xyz(self.white));
        std::array::from_fn(|i| std::array::from_fn(|j| p[i][j] * s[j]))
    }

    /// Linear RGB → XYZ adapted to D50 with Bradford: the columns are the rXYZ, gXYZ and
    /// bXYZ colorants an ICC matrix/TRC profile carries.
    pub fn to_xyz_d50(&self) -> Mat3 {
        const BRADFORD: Mat3 = [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]];
        let src = mat_vec(&BRADFORD, xy_to_xyz(self.white));
        let dst = mat_vec(&BRADFORD, D50);
        let scale: Mat3 = [[dst[0] / src[0], 0.0, 0.0], [0.0, dst[1] / src[1], 0.0], [0.0, 0.0, dst[2] / src[2]]];
        let adapt = mat_mul(&mat_inv(&BRADFORD), &mat_mul(&scale, &BRADFORD));
        mat_mul(&adapt, &self.to_xyz())
    }
}

/// The sRGB transfer function, encoded (0–1) → linear.
pub fn srgb_to_linear(v: f64) -> f64 {
    if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
}

/// The sRGB transfer function, linear → encoded (0–1).
pub fn linear_to_srgb(v: f64) -> f64 {
    if v <= 0.003_130_8 { v * 12.92 } else { 1.055 * v.powf(1.0 / 2.4) - 0.055 }
}

/// The tone curve of a test profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tone {
    /// A pure power law (a `curv` with one entry).
    Gamma(f64),
    /// The sRGB curve sampled in a `curv` table of that many entries (Display P3 uses it).
    SrgbTable(usize),
}

fn s15f16(v: f64) -> [u8; 4] {
    ((v * 65536.0).round() as i32).to_be_bytes()
}

fn xyz_tag(xyz: [f64; 3]) -> Vec<u8> {
    let mut t = b"XYZ \0\0\0\0".to_vec();
    for v in xyz {
        t.extend(s15f16(v));
    }
    t
}

/// A minimal ICC v2 display profile of the matrix/TRC kind: header, tag table, `desc`,
/// `wtpt` (D50, as for colorants already adapted), `rXYZ`/`gXYZ`/`bXYZ` (the columns
/// of `colorants`) and one `curv` shared by `rTRC`/`gTRC`/`bTRC`. Built here so the
/// tests need no ICC file from the system.
pub fn icc_profile(colorants: Mat3, tone: Tone) -> Vec<u8> {
    let mut curv = b"curv\0\0\0\0".to_vec();
    match tone {
        Tone::Gamma(g) => {
            curv.extend(1u32.to_be_bytes());
            curv.extend(((g * 256.0).round() as u16).to_be_bytes()); // u8Fixed8
        }
        Tone::SrgbTable(n) => {
            curv.extend((n as u32).to_be_bytes());
            for i in 0..n {
                let v = srgb_to_linear(i as f64 / (n - 1) as f64);
                curv.extend(((v * 65535.0).round() as u16).to_be_bytes());
            }
        }
    }
    // textDescriptionType: ASCII, then empty Unicode and ScriptCode parts.
    let mut desc = b"desc\0\0\0\0".to_vec();
    let name = b"Comptoir test profile\0";
    desc.extend((name.len() as u32).to_be_bytes());
    desc.extend(name);
    desc.extend([0u8; 4 + 4 + 2 + 1 + 67]);
    let column = |j: usize| [colorants[0][j], colorants[1][j], colorants[2][j]];
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", desc),
        (b"wtpt", xyz_tag(D50)),
        (b"rXYZ", xyz_tag(column(0))),
        (b"gXYZ", xyz_tag(column(1))),
        (b"bXYZ", xyz_tag(column(2))),
        (b"rTRC", curv),
    ];
    // The three TRC tags point at the same data, as real profiles do.
    let entries = tags.len() + 2;
    let mut offset = 128 + 4 + 12 * entries;
    let mut table = (entries as u32).to_be_bytes().to_vec();
    let mut data = Vec::new();
    let mut curv_at = (0, 0);
    for (sig, body) in &tags {
        table.extend(*sig);
        table.extend((offset as u32).to_be_bytes());
        table.extend((body.len() as u32).to_be_bytes());
        if *sig == b"rTRC" {
            curv_at = (offset, body.len());
        }
        data.extend(body);
        let pad = (4 - body.len() % 4) % 4;
        data.extend(std::iter::repeat_n(0, pad));
        offset += body.len() + pad;
    }
    for sig in [b"gTRC", b"bTRC"] {
        table.extend(sig);
        table.extend((curv_at.0 as u32).to_be_bytes());
        table.extend((curv_at.1 as u32).to_be_bytes());
    }
    let size = 128 + table.len() + data.len();
    let mut h = Vec::with_capacity(size);
    h.extend((size as u32).to_be_bytes());
    h.extend(b"none"); // preferred CMM
    h.extend([2, 0x10, 0, 0]); // version 2.1
    h.extend(b"mntrRGB XYZ ");
    h.extend([0x07, 0xE8, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]); // 2024-01-01 00:00:00
    h.extend(b"acsp");
    h.extend([0u8; 4 + 4 + 4 + 4 + 8]); // platform, flags, manufacturer, model, attributes
    h.extend(0u32.to_be_bytes()); // perceptual intent
    for v in D50 {
        h.extend(s15f16(v));
    }
    h.extend(b"none"); // creator
    h.resize(128, 0); // profile ID and reserved bytes
    h.extend(table);
    h.extend(data);
    h
}

/// One JPEG APP2 segment carrying chunk `seq` of `count` of an ICC profile.
pub fn icc_app2(seq: u8, count: u8, data: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, 0xE2];
    s.extend(((2 + 14 + data.len()) as u16).to_be_bytes());
    s.extend(b"ICC_PROFILE\0");
    s.extend([seq, count]);
    s.extend(data);
    s
}

/// `jpeg` with `icc` embedded after SOI, split into APP2 chunks of at most `chunk` bytes
/// (real files use 65 519; smaller chunks exercise the reassembly).
pub fn with_icc(jpeg: &[u8], icc: &[u8], chunk: usize) -> Vec<u8> {
    super::color::embed_icc_chunked(jpeg, icc, chunk)
}

/// An RGB PNG of `img` with `icc` in its iCCP chunk.
pub fn png_with_icc(img: &Rgb, icc: &[u8]) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    let mut enc = image::codecs::png::PngEncoder::new(&mut out);
    enc.set_icc_profile(icc.to_vec()).expect("iCCP");
    enc.write_image(&img.data, img.width, img.height, image::ExtendedColorType::Rgb8).expect("png");
    out
}

/// A lossless WebP of `img` with `icc` in its ICCP chunk.
pub fn webp_with_icc(img: &Rgb, icc: &[u8]) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    let mut enc = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
    enc.set_icc_profile(icc.to_vec()).expect("ICCP");
    enc.write_image(&img.data, img.width, img.height, image::ExtendedColorType::Rgb8).expect("webp");
    out
}
