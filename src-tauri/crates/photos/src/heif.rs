//! HEIC/HEIF photos (what iPhones write unless set to « Le plus compatible »).
//!
//! Reading them takes libheif and an HEVC decoder, a system library that Windows and
//! macOS do not ship and that cannot go into every build; so it sits behind the cargo
//! feature `heif` (off by default). Without it — or when this computer's libheif has no
//! HEVC decoder — an HEIC file is refused with its own [`ProblemCode::HeicUnsupported`]
//! and a French sentence saying what to do, and the batch goes on.
//!
//! With it, an HEIC is turned once into a JPEG (q95, its ICC profile kept in APP2 so the
//! usual [`super::color`] step makes it sRGB) and that JPEG is what the library keeps as
//! the original: the database knows JPEG/PNG/WebP originals only, and the marketplace,
//! which receives originals, could not show an HEIC anyway.

use serde::Serialize;

use super::problem::{PhotoProblem, ProblemCode};

/// The image formats this build of Comptoir reads, for the app and the CLI to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Capabilities {
    pub jpeg: bool,
    pub png: bool,
    pub webp: bool,
    pub heic: bool,
    /// Why HEIC photos cannot be read here (French), when they cannot.
    pub heic_unavailable: Option<String>,
}

impl Capabilities {
    /// A French sentence for people when HEIC is unavailable.
    pub fn heic_note(&self) -> Option<String> {
        self.heic_unavailable.as_ref().map(|why| {
            format!(
                "Les photos HEIC (iPhone) ne sont pas lues sur cet ordinateur : {why}. {}",
                "Exportez-les en JPEG, ou réglez l'iPhone sur Réglages › Appareil photo › Formats › « Le plus compatible »."
            )
        })
    }
}

/// What this build reads.
pub fn capabilities() -> Capabilities {
    let heic = support();
    Capabilities { jpeg: true, png: true, webp: true, heic: heic.is_ok(), heic_unavailable: heic.err() }
}

/// The refusal of an HEIC photo, with why it cannot be read here.
pub(crate) fn unsupported(why: &str) -> PhotoProblem {
    PhotoProblem::new(
        ProblemCode::HeicUnsupported,
        format!(
            "Photo HEIC (iPhone) non prise en charge sur cet ordinateur : {why} ; exportez-la en JPEG \
             (Réglages › Appareil photo › Formats › « Le plus compatible »)"
        ),
    )
}

#[cfg(not(feature = "heif"))]
const NOT_BUILT: &str = "cette version de Comptoir est construite sans le décodeur HEIC (libheif)";

/// `Ok` when HEIC photos can be decoded here, otherwise why not (French).
#[cfg(not(feature = "heif"))]
pub fn support() -> Result<(), String> {
    Err(NOT_BUILT.to_owned())
}

/// Converts an HEIC photo to the JPEG the library keeps as its original.
#[cfg(not(feature = "heif"))]
pub fn to_jpeg(_bytes: &[u8], _limits: &super::probe::Limits) -> Result<Vec<u8>, PhotoProblem> {
    Err(unsupported(NOT_BUILT))
}

#[cfg(feature = "heif")]
pub use with_libheif::{support, to_jpeg};

#[cfg(feature = "heif")]
mod with_libheif {
    use std::sync::OnceLock;

    use libheif_rs::{ColorSpace, HeifContext, HeifErrorCode, HeifErrorSubCode, LibHeif, RgbChroma};

    use super::super::color;
    use super::super::encode::encode_jpeg;
    use super::super::probe::Limits;
    use super::super::problem::{PhotoProblem, ProblemCode};
    use super::super::raster::Rgb;
    use super::unsupported;

    const NO_HEVC: &str = "la bibliothèque libheif de cet ordinateur n'a pas de décodeur HEVC";

    /// Quality of the JPEG kept in place of an HEIC original: high enough that the
    /// derivatives (q85) made from it later cannot tell.
    const ORIGINAL_QUALITY: u8 = 95;

    /// libheif, initialised once for the life of the process. `LibHeif` pairs
    /// `heif_init` with `heif_deinit` on drop, and the last `heif_deinit` unregisters
    /// the decoders: a short-lived instance per photo would leave the next photo (on
    /// another thread, say) with no HEVC decoder at all.
    fn lib() -> &'static LibHeif {
        static LIB: OnceLock<LibHeif> = OnceLock::new();
        LIB.get_or_init(LibHeif::new)
    }

    pub fn support() -> Result<(), String> {
        lib();
        // libheif is linked, but its HEVC decoder (libde265) is a plugin or a build
        // option that a given system may lack.
        #[allow(unsafe_code)]
        // SAFETY: a query on libheif's static decoder registry, with a plain enum argument.
        let hevc = unsafe {
            libheif_sys::heif_have_decoder_for_format(libheif_sys::heif_compression_format_heif_compression_HEVC)
        };
        if hevc != 0 { Ok(()) } else { Err(NO_HEVC.to_owned()) }
    }

    fn problem(e: libheif_rs::HeifError) -> PhotoProblem {
        match e.code {
            HeifErrorCode::UnsupportedFeature
            | HeifErrorCode::UnsupportedFileType
            | HeifErrorCode::DecoderPluginError => unsupported(&format!("{NO_HEVC} ({})", e.message)),
            _ if matches!(e.sub_code, HeifErrorSubCode::EndOfData) => PhotoProblem::truncated(),
            _ => PhotoProblem::corrupt(&e.message),
        }
    }

    pub fn to_jpeg(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, PhotoProblem> {
        support().map_err(|why| unsupported(&why))?;
        let ctx = HeifContext::read_from_bytes(bytes).map_err(problem)?;
        let handle = ctx.primary_image_handle().map_err(problem)?;
        let (w, h) = (handle.width(), handle.height());
        // The pixel limit, from the header, before libheif allocates anything.
        let pixels = u64::from(w) * u64::from(h);
        if w == 0 || h == 0 {
            return Err(PhotoProblem::corrupt("dimensions nulles"));
        }
        if pixels > limits.max_pixels {
            return Err(PhotoProblem::new(
                ProblemCode::TooManyPixels,
                format!("Image refusée : {w} × {h} pixels, au plus {} mégapixels", limits.max_pixels / 1_000_000),
            ));
        }
        // Rotation, mirroring and cropping of the HEIF container are applied by libheif.
        let img = lib().decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None).map_err(problem)?;
        let planes = img.planes();
        let plane = planes.interleaved.ok_or_else(|| PhotoProblem::corrupt("pas de plan RGB"))?;
        let (pw, ph) = (plane.width as usize, plane.height as usize);
        let mut data = Vec::with_capacity(pw * ph * 3);
        for row in plane.data.chunks(plane.stride).take(ph) {
            data.extend_from_slice(row.get(..pw * 3).ok_or_else(|| PhotoProblem::corrupt("plan RGB trop court"))?);
        }
        if data.len() != pw * ph * 3 {
            return Err(PhotoProblem::truncated());
        }
        let jpeg = encode_jpeg(&Rgb::new(pw as u32, ph as u32, data), ORIGINAL_QUALITY)?;
        // iPhones tag their HEICs Display P3 with an ICC profile: keep it with the pixels
        // so the pipeline converts them like any tagged JPEG. (An nclx-only colour box is
        // taken as sRGB, which is what libheif's RGB output approximates.)
        Ok(match handle.color_profile_raw() {
            Some(icc) if !icc.data.is_empty() => color::embed_icc(&jpeg, &icc.data),
            _ => jpeg,
        })
    }
}
