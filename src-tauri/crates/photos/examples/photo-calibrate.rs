//! Prints the quality measures of every JPEG of the given folders, to calibrate the
//! thresholds of `comptoir_photos::quality` (see docs/photo-quality.md).
//! `cargo run --release -p comptoir-photos --example photo-calibrate -- DIR...`

#![allow(clippy::print_stdout)] // a measuring tool: its output is the point

use comptoir_photos::pipeline::render;
use comptoir_photos::{Edits, Limits, Preset};

fn main() {
    println!("dir\tfile\ttile_sharpness\tglobal_sharpness\tp05\tp50\tp95\tflags");
    for dir in std::env::args().skip(1) {
        let mut files: Vec<_> = std::fs::read_dir(&dir).expect("dir").flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let Ok(bytes) = std::fs::read(&f) else { continue };
            match render(&bytes, &Preset::default(), &Edits::default(), &Limits::default()) {
                Ok(r) => {
                    let q = r.quality;
                    let flags: Vec<&str> = q.flags.iter().map(|f| f.code()).collect();
                    println!(
                        "{dir}\t{}\t{:.1}\t{:.1}\t{}\t{}\t{}\t{}",
                        f.file_name().unwrap_or_default().to_string_lossy(),
                        q.sharpness,
                        q.global_sharpness,
                        q.p05_luma,
                        q.median_luma,
                        q.p95_luma,
                        flags.join(",")
                    );
                }
                Err(e) => println!("{dir}\t{}\terror: {e}", f.display()),
            }
        }
    }
}
