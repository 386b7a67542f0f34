//! Uploaded files: the type is sniffed from the bytes (never trusted from the
//! client), images are decoded and re-encoded so that no metadata (EXIF, GPS!)
//! survives, PDFs are checked by signature and kept as they are.

pub mod headers;

use std::io::Cursor;

use headers::Layout;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// At most 10 MB per file.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_IMAGES_PER_REPORT: i64 = 5;
pub const MAX_DOCUMENTS_PER_REPORT: i64 = 3;
/// Enough leading bytes to recognise every accepted type.
pub const SNIFF_BYTES: usize = 16;

/// How many files of a kind one report may have.
pub fn max_per_report(kind: Kind) -> i64 {
    match kind {
        Kind::Image => MAX_IMAGES_PER_REPORT,
        Kind::Document => MAX_DOCUMENTS_PER_REPORT,
    }
}
/// Longest side kept for photos: enough for any screen, bounded storage.
const MAX_SIDE: u32 = 3000;
/// The most pixels an image may declare (a 48 MP phone photo is refused,
/// its 12 MP default output is not). Checked on the header, before the
/// decoder allocates anything for the pixels.
pub const MAX_PIXELS: u64 = 40_000_000;
/// The most memory one decode may need at its peak, as the headers declare
/// it: the output (width × height × bytes per pixel: a 16-bit RGBA image
/// costs eight bytes a pixel) plus what the format keeps besides (a
/// progressive JPEG's coefficients, a WebP's working planes). A 40 MP
/// baseline JPEG fits; a progressive one of more than about 28 MP does not.
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// What a PNG decoder may allocate for its chunks (an ICC profile, text):
/// a compressed chunk must not inflate to hundreds of megabytes.
const PNG_CHUNK_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Document,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Document => "document",
        }
    }
}

/// A file ready to store.
#[derive(Debug)]
pub struct Processed {
    pub kind: Kind,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub bytes: Vec<u8>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("unsupported file type: images must be JPEG, PNG or WebP, documents PDF")]
    Unsupported,
    #[error("the image could not be read: {0}")]
    Corrupt(String),
    /// The header declares more pixels or more decoded bytes than allowed.
    #[error("the image is {width}×{height} pixels, or needs more than {} MiB to decode: at most {} megapixels are accepted", MAX_DECODE_BYTES >> 20, MAX_PIXELS / 1_000_000)]
    TooLarge { width: u32, height: u32 },
    /// An animated image (a photo is one picture).
    #[error("animated images are not accepted: send a photo")]
    Animated,
}

/// Recognises JPEG, PNG, WebP and PDF by their signatures.
pub fn sniff(bytes: &[u8]) -> Option<(Kind, ImageFormatOrPdf)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some((Kind::Image, ImageFormatOrPdf::Image(ImageFormat::Jpeg)))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some((Kind::Image, ImageFormatOrPdf::Image(ImageFormat::Png)))
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some((Kind::Image, ImageFormatOrPdf::Image(ImageFormat::WebP)))
    } else if bytes.starts_with(b"%PDF-") {
        Some((Kind::Document, ImageFormatOrPdf::Pdf))
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormatOrPdf {
    Image(ImageFormat),
    Pdf,
}

/// Checks what an upload declares without decoding it: its type, and for an
/// image the size its header claims. Cheap (headers only), so a bomb is
/// refused before it waits for a place among the decoders.
pub fn probe(bytes: &[u8]) -> Result<Kind, MediaError> {
    match sniff(bytes) {
        None => Err(MediaError::Unsupported),
        Some((kind, ImageFormatOrPdf::Pdf)) => Ok(kind),
        Some((kind, ImageFormatOrPdf::Image(format))) => {
            check_image(bytes, format, &open_decoder(bytes, format)?)?;
            Ok(kind)
        }
    }
}

/// Everything an image declares, against the limits: the decoder's view
/// (size, output bytes) and what only the container shows (a WebP's frames,
/// a JPEG's progressive coefficients).
fn check_image(
    bytes: &[u8],
    format: ImageFormat,
    decoder: &impl ImageDecoder,
) -> Result<(), MediaError> {
    let size = decoder.dimensions();
    let (layout, others) = match format {
        ImageFormat::Jpeg => match headers::jpeg_frame(bytes) {
            Some((true, _, _, components)) => (Layout::ProgressiveJpeg { components }, vec![]),
            _ => (Layout::Plain, vec![]),
        },
        ImageFormat::WebP => {
            let declared = headers::webp_declared(bytes).ok_or(MediaError::Unsupported)?;
            if declared.animated {
                return Err(MediaError::Animated);
            }
            let layout = if declared.lossless {
                Layout::WebpLossless
            } else {
                Layout::WebpLossy
            };
            (layout, declared.sizes)
        }
        _ => (Layout::Plain, vec![]),
    };
    check_declared(
        size,
        headers::peak_bytes(layout, size, decoder.total_bytes()),
    )?;
    // A frame larger than the canvas is decoded at its own size first.
    for inner in others {
        let output = u64::from(inner.0) * u64::from(inner.1) * 4;
        check_declared(inner, headers::peak_bytes(layout, inner, output))?;
    }
    Ok(())
}

/// Sniffs and processes an upload.
pub fn process(bytes: &[u8]) -> Result<Processed, MediaError> {
    match sniff(bytes) {
        None => Err(MediaError::Unsupported),
        Some((_, ImageFormatOrPdf::Pdf)) => {
            // A PDF must also end like one; anything else is not a document we serve.
            let tail = &bytes[bytes.len().saturating_sub(1024)..];
            if !tail.windows(5).any(|w| w == b"%%EOF") {
                return Err(MediaError::Unsupported);
            }
            Ok(Processed {
                kind: Kind::Document,
                content_type: "application/pdf",
                extension: "pdf",
                bytes: bytes.to_vec(),
                width: None,
                height: None,
            })
        }
        Some((_, ImageFormatOrPdf::Image(format))) => reencode(bytes, format),
    }
}

/// A decoder that has read the image's header (and nothing of its pixels).
fn open_decoder(bytes: &[u8], format: ImageFormat) -> Result<impl ImageDecoder + '_, MediaError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // The decoders' own allocations (chunks, tables) are bounded too.
    let mut limits = Limits::default();
    limits.max_alloc = Some(match format {
        ImageFormat::Png => PNG_CHUNK_BYTES,
        _ => MAX_DECODE_BYTES,
    });
    reader.limits(limits);
    reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => MediaError::TooLarge {
            width: 0,
            height: 0,
        },
        e => MediaError::Corrupt(e.to_string()),
    })
}

fn reencode(bytes: &[u8], format: ImageFormat) -> Result<Processed, MediaError> {
    let corrupt = |e: image::ImageError| MediaError::Corrupt(e.to_string());
    let mut decoder = open_decoder(bytes, format)?;
    // `from_decoder` allocates what the header declares without asking the
    // limits: check the declaration first (a 2 MB PNG can declare 2 GB).
    check_image(bytes, format, &decoder)?;
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    // Downscale first (area averaging, no intermediate float buffers), then
    // rotate the small image the way the camera meant.
    if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
        img = img.thumbnail(MAX_SIDE, MAX_SIDE);
    }
    img.apply_orientation(orientation);
    let (width, height) = (img.width(), img.height());
    let mut out = Vec::new();
    let (content_type, extension) = match format {
        ImageFormat::Png => {
            img.write_with_encoder(PngEncoder::new(&mut out))
                .map_err(corrupt)?;
            ("image/png", "png")
        }
        ImageFormat::WebP => {
            let rgba = DynamicImage::ImageRgba8(img.to_rgba8());
            rgba.write_with_encoder(WebPEncoder::new_lossless(&mut out))
                .map_err(corrupt)?;
            ("image/webp", "webp")
        }
        _ => {
            let rgb = DynamicImage::ImageRgb8(img.into_rgb8());
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, 85))
                .map_err(corrupt)?;
            ("image/jpeg", "jpg")
        }
    };
    Ok(Processed {
        kind: Kind::Image,
        content_type,
        extension,
        bytes: out,
        width: Some(width),
        height: Some(height),
    })
}

/// Refuses an image whose header declares too many pixels, or a decode that
/// would need more than [`MAX_DECODE_BYTES`] at its peak.
pub fn check_declared((width, height): (u32, u32), peak_bytes: u64) -> Result<(), MediaError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS || peak_bytes > MAX_DECODE_BYTES {
        return Err(MediaError::TooLarge { width, height });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_exif() -> Vec<u8> {
        let img = DynamicImage::new_rgb8(40, 30);
        let mut plain = Vec::new();
        img.write_with_encoder(JpegEncoder::new_with_quality(&mut plain, 90))
            .unwrap();
        // Splice an APP1 Exif segment (with a recognisable GPS marker) after SOI.
        let payload = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude=43.7167";
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
        out.extend_from_slice(&plain[2..]);
        out
    }

    #[test]
    fn exif_does_not_survive() {
        let input = jpeg_with_exif();
        assert!(input.windows(4).any(|w| w == b"Exif"));
        let p = process(&input).unwrap();
        assert_eq!(p.content_type, "image/jpeg");
        assert!(!p.bytes.windows(4).any(|w| w == b"Exif"));
        assert!(!p.bytes.windows(11).any(|w| w == b"GPSLatitude"));
        assert_eq!((p.width, p.height), (Some(40), Some(30)));
    }

    #[test]
    fn types_are_sniffed_not_trusted() {
        assert_eq!(process(b"GIF89a...").unwrap_err(), MediaError::Unsupported);
        assert_eq!(
            process(b"<html>hello</html>").unwrap_err(),
            MediaError::Unsupported
        );
        assert!(matches!(
            process(&[0xFF, 0xD8, 0xFF, 0, 1, 2]).unwrap_err(),
            MediaError::Corrupt(_)
        ));
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
        assert_eq!(process(pdf).unwrap().kind, Kind::Document);
        assert_eq!(
            process(b"%PDF-1.4 truncated").unwrap_err(),
            MediaError::Unsupported
        );
    }

    #[test]
    fn png_and_webp_round_trip() {
        let img = DynamicImage::new_rgba8(10, 12);
        let mut png = Vec::new();
        img.write_with_encoder(PngEncoder::new(&mut png)).unwrap();
        assert_eq!(process(&png).unwrap().content_type, "image/png");
        let mut webp = Vec::new();
        img.write_with_encoder(WebPEncoder::new_lossless(&mut webp))
            .unwrap();
        let p = process(&webp).unwrap();
        assert_eq!((p.content_type, p.width), ("image/webp", Some(10)));
    }
}
