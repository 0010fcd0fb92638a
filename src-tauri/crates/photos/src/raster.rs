//! An 8-bit RGB raster and the eight EXIF orientations / quarter turns on it.

/// Tightly packed RGB, 3 bytes per pixel, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgb {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl Rgb {
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Self {
        debug_assert_eq!(data.len(), width as usize * height as usize * 3);
        Self { width, height, data }
    }

    pub fn filled(width: u32, height: u32, rgb: [u8; 3]) -> Self {
        let data = rgb.iter().copied().cycle().take(width as usize * height as usize * 3).collect();
        Self { width, height, data }
    }

    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// Pads to a square of the long side, centred, on white.
    pub fn pad_square_white(self) -> Self {
        if self.width == self.height {
            return self;
        }
        let side = self.width.max(self.height);
        let mut out = Self::filled(side, side, [255, 255, 255]);
        let (ox, oy) = ((side - self.width) / 2, (side - self.height) / 2);
        let row = self.width as usize * 3;
        for y in 0..self.height as usize {
            let dst = ((oy as usize + y) * side as usize + ox as usize) * 3;
            out.data[dst..dst + row].copy_from_slice(&self.data[y * row..(y + 1) * row]);
        }
        out
    }

    /// Luma (BT.601), one byte per pixel.
    pub fn to_grey(&self) -> Vec<u8> {
        self.data
            .chunks_exact(3)
            .map(|p| ((u32::from(p[0]) * 77 + u32::from(p[1]) * 150 + u32::from(p[2]) * 29 + 128) >> 8) as u8)
            .collect()
    }
}

/// One of the eight orientations (EXIF tag 274 numbering): how the stored pixels must
/// be transformed to be seen upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orientation(u8);

impl Orientation {
    pub const UPRIGHT: Self = Self(1);

    /// From the EXIF value; anything outside 1–8 is treated as upright.
    pub fn from_exif(v: u32) -> Self {
        if (1..=8).contains(&v) { Self(v as u8) } else { Self::UPRIGHT }
    }

    /// A clockwise rotation by `degrees` (multiple of 90).
    pub fn rotation(degrees: u16) -> Self {
        match degrees % 360 {
            90 => Self(6),
            180 => Self(3),
            270 => Self(8),
            _ => Self::UPRIGHT,
        }
    }

    pub fn exif_value(self) -> u8 {
        self.0
    }

    /// Width and height swap (orientations 5–8).
    pub fn transposes(self) -> bool {
        self.0 >= 5
    }

    /// Applies the transform; returns the upright raster.
    pub fn apply(self, img: Rgb) -> Rgb {
        if self.0 == 1 {
            return img;
        }
        let (w, h) = (img.width as usize, img.height as usize);
        let (ow, oh) = if self.transposes() { (h, w) } else { (w, h) };
        let mut out = vec![0u8; img.data.len()];
        // For each destination pixel (x, y) of the upright image, the stored source pixel.
        for y in 0..oh {
            for x in 0..ow {
                let (sx, sy) = match self.0 {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    8 => (w - 1 - y, x),
                    _ => (x, y),
                };
                let s = (sy * w + sx) * 3;
                let d = (y * ow + x) * 3;
                out[d..d + 3].copy_from_slice(&img.data[s..s + 3]);
            }
        }
        Rgb::new(ow as u32, oh as u32, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked() -> Rgb {
        // 3 × 2, top-left red, everything else black.
        let mut img = Rgb::filled(3, 2, [0, 0, 0]);
        img.data[0] = 255;
        img
    }

    #[test]
    fn orientation_6_turns_clockwise() {
        // Stored landscape, phone held upright: the top-left pixel ends top-right.
        let up = Orientation::from_exif(6).apply(marked());
        assert_eq!((up.width, up.height), (2, 3));
        assert_eq!(up.pixel(1, 0), [255, 0, 0]);
        let up = Orientation::from_exif(8).apply(marked());
        assert_eq!(up.pixel(0, 2), [255, 0, 0]);
        let up = Orientation::from_exif(3).apply(marked());
        assert_eq!(up.pixel(2, 1), [255, 0, 0]);
        for o in 1..=8 {
            let up = Orientation::from_exif(o).apply(marked());
            assert_eq!(up.data.iter().filter(|&&b| b == 255).count(), 1, "orientation {o}");
        }
    }

    #[test]
    fn pads_on_white() {
        let sq = Rgb::filled(4, 2, [0, 0, 0]).pad_square_white();
        assert_eq!((sq.width, sq.height), (4, 4));
        assert_eq!(sq.pixel(0, 0), [255, 255, 255]);
        assert_eq!(sq.pixel(0, 1), [0, 0, 0]);
    }
}
