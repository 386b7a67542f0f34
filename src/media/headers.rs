//! What an image's container declares, read by hand before any decoder runs:
//! some decoders size their buffers from a header the image crate does not
//! show (a WebP's inner frame, not its canvas) or need far more memory than
//! the output (a progressive JPEG keeps every coefficient). Pure parsing of
//! bytes; every function is total (garbage in, an answer or `None` out).

/// How an image will be decoded, as far as memory goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// PNG, baseline JPEG: the output and a few rows.
    Plain,
    /// Progressive JPEG: 16-bit coefficients for every sample of every component.
    ProgressiveJpeg { components: u8 },
    /// Lossless WebP: a 32-bit ARGB plane besides the output.
    WebpLossless,
    /// Lossy WebP: YUV planes (1.5 bytes a pixel) besides the output.
    WebpLossy,
}

/// The bytes a decode needs at its peak: the output (`output_bytes`, as the
/// decoder declares it) and what the layout adds per pixel.
pub fn peak_bytes(layout: Layout, (width, height): (u32, u32), output_bytes: u64) -> u64 {
    let pixels = u64::from(width) * u64::from(height);
    let extra = match layout {
        Layout::Plain => 0,
        Layout::ProgressiveJpeg { components } => pixels * 2 * u64::from(components.max(1)),
        Layout::WebpLossless => pixels * 4,
        Layout::WebpLossy => pixels * 3 / 2,
    };
    output_bytes.saturating_add(extra)
}

/// A JPEG's frame: whether it is progressive, its size and its components,
/// from the first start-of-frame marker.
pub fn jpeg_frame(bytes: &[u8]) -> Option<(bool, u32, u32, u8)> {
    let mut i = 2; // after SOI
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let s = bytes.get(i + 4..i + 10)?;
            let height = u32::from(u16::from_be_bytes([s[1], s[2]]));
            let width = u32::from(u16::from_be_bytes([s[3], s[4]]));
            let progressive = matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE);
            return Some((progressive, width, height, s[5]));
        }
        if marker == 0xDA || len < 2 {
            return None; // scan data before any frame: not a JPEG we read
        }
        i += 2 + len;
    }
    None
}

/// What a WebP declares: every size in it (the canvas and each frame), its
/// layout, and whether it is animated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebpDeclared {
    pub sizes: Vec<(u32, u32)>,
    pub lossless: bool,
    pub animated: bool,
}

/// Walks a WebP's RIFF chunks (and the frames inside an animation).
pub fn webp_declared(bytes: &[u8]) -> Option<WebpDeclared> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return None;
    }
    let mut out = WebpDeclared::default();
    walk_webp_chunks(&bytes[12..], &mut out, 0)?;
    (!out.sizes.is_empty()).then_some(out)
}

fn walk_webp_chunks(mut data: &[u8], out: &mut WebpDeclared, depth: u8) -> Option<()> {
    while data.len() >= 8 {
        let fourcc = &data[0..4];
        let size = u32::from_le_bytes(data[4..8].try_into().ok()?) as usize;
        let body = data.get(8..8 + size.min(data.len() - 8))?;
        match fourcc {
            b"VP8 " => {
                // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit sizes.
                let s = body.get(3..10)?;
                if s[0..3] != [0x9d, 0x01, 0x2a] {
                    return None;
                }
                let w = u32::from(u16::from_le_bytes([s[3], s[4]]) & 0x3FFF);
                let h = u32::from(u16::from_le_bytes([s[5], s[6]]) & 0x3FFF);
                out.sizes.push((w, h));
            }
            b"VP8L" => {
                if *body.first()? != 0x2f {
                    return None;
                }
                let header = u32::from_le_bytes(body.get(1..5)?.try_into().ok()?);
                out.sizes
                    .push(((header & 0x3FFF) + 1, ((header >> 14) & 0x3FFF) + 1));
                out.lossless = true;
            }
            b"VP8X" => {
                let s = body.get(4..10)?;
                let w = u32::from_le_bytes([s[0], s[1], s[2], 0]) + 1;
                let h = u32::from_le_bytes([s[3], s[4], s[5], 0]) + 1;
                out.sizes.push((w, h));
            }
            b"ANIM" => out.animated = true,
            b"ANMF" => {
                out.animated = true;
                // A frame: 16 bytes of placement, then its own chunks.
                if depth == 0 {
                    walk_webp_chunks(body.get(16..)?, out, depth + 1)?;
                }
            }
            _ => {}
        }
        // Chunks are padded to an even size.
        let step = 8usize.checked_add(size)?.checked_add(size & 1)?;
        data = data.get(step..).unwrap_or(&[]);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A VP8X (extended) WebP with a 1×1 canvas around a lossy frame that
    /// claims 16383×16383: the decoder would size its buffers by the frame.
    fn vp8x_with_a_huge_frame() -> Vec<u8> {
        let mut vp8x = vec![0u8; 10];
        vp8x[4..7].copy_from_slice(&[0, 0, 0]); // canvas width - 1 = 0
        vp8x[7..10].copy_from_slice(&[0, 0, 0]);
        let mut vp8 = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a];
        vp8.extend_from_slice(&0x3FFFu16.to_le_bytes());
        vp8.extend_from_slice(&0x3FFFu16.to_le_bytes());
        let mut body = b"WEBP".to_vec();
        for (cc, data) in [(b"VP8X", vp8x), (b"VP8 ", vp8)] {
            body.extend_from_slice(cc);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(&data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn every_size_a_webp_declares_is_seen() {
        let d = webp_declared(&vp8x_with_a_huge_frame()).unwrap();
        assert_eq!(d.sizes, vec![(1, 1), (16383, 16383)]);
        assert!(!d.lossless && !d.animated);
        assert!(webp_declared(b"RIFF\0\0\0\0WEBP").is_none());
        assert!(webp_declared(b"not a webp at all").is_none());
    }

    #[test]
    fn jpeg_frames_are_read_from_their_markers() {
        // SOI, an APP0 of 16 bytes, then SOF2 (progressive) 600×400, 3 components.
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        j.extend_from_slice(&[0u8; 14]);
        j.extend_from_slice(&[0xFF, 0xC2, 0x00, 0x11, 0x08, 0x01, 0x90, 0x02, 0x58, 0x03]);
        assert_eq!(jpeg_frame(&j), Some((true, 600, 400, 3)));
        j[21] = 0xC0;
        assert_eq!(jpeg_frame(&j), Some((false, 600, 400, 3)));
        assert_eq!(jpeg_frame(&[0xFF, 0xD8, 0x00]), None);
        assert_eq!(jpeg_frame(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
    }

    #[test]
    fn peaks_add_what_the_layout_keeps() {
        let size = (1000, 1000);
        assert_eq!(peak_bytes(Layout::Plain, size, 3_000_000), 3_000_000);
        assert_eq!(
            peak_bytes(Layout::ProgressiveJpeg { components: 3 }, size, 3_000_000),
            9_000_000
        );
        assert_eq!(peak_bytes(Layout::WebpLossless, size, 4_000_000), 8_000_000);
    }
}
