//! Uploaded files: the type is sniffed from the bytes (never trusted from the
//! client), images are decoded and re-encoded so that no metadata (EXIF, GPS!)
//! survives, PDFs are checked by signature and kept as they are.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// At most 10 MB per file.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_IMAGES_PER_REPORT: i64 = 5;
pub const MAX_DOCUMENTS_PER_REPORT: i64 = 3;
/// Longest side kept for photos: enough for any screen, bounded storage.
const MAX_SIDE: u32 = 3000;

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

fn reencode(bytes: &[u8], format: ImageFormat) -> Result<Processed, MediaError> {
    let corrupt = |e: image::ImageError| MediaError::Corrupt(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Guard against decompression bombs: a 10 MB file must not claim gigabytes.
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    // Keep what the camera meant: apply the EXIF rotation before dropping EXIF.
    img.apply_orientation(orientation);
    if img.width() > MAX_SIDE || img.height() > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
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
            let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
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
        width: Some(img.width()),
        height: Some(img.height()),
    })
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
