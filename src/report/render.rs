//! `archiplan render`: a plan folder becomes a map, a sweep folder its Pareto chart; SVG as
//! drawn, or PNG rasterised by resvg (system fonts for the labels).

use super::map::{MapOptions, plan_map};
use super::results::{MANIFEST_FILE, read_results};
use crate::error::{Error, Result};
use std::path::Path;

/// What was drawn.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rendered {
    pub kind: &'static str,
    pub width: u32,
    pub height: u32,
    pub facilities: Option<usize>,
    pub service: Option<String>,
}

/// Whether a folder holds a sweep (rather than one plan).
pub fn is_sweep(dir: &Path) -> bool {
    dir.join(MANIFEST_FILE).is_file() && dir.join("results.json").is_file()
}

/// The picture of `dir` as SVG text.
pub fn picture(dir: &Path, opts: &MapOptions) -> Result<(String, Rendered)> {
    if is_sweep(dir) {
        let rows = read_results(dir)?;
        let svg = super::pareto::chart(&rows, super::pareto::TITLE)?;
        return Ok((
            svg,
            Rendered {
                kind: "pareto",
                width: super::pareto::WIDTH,
                height: super::pareto::HEIGHT,
                facilities: None,
                service: None,
            },
        ));
    }
    let map = plan_map(dir, opts)?;
    let info = Rendered {
        kind: "map",
        width: map.width,
        height: map.height,
        facilities: Some(map.facilities),
        service: Some(map.service.clone()),
    };
    Ok((map.svg, info))
}

/// Rasterises SVG text to PNG bytes at `zoom` x its size.
pub fn png(svg: &str, zoom: f32) -> Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_system_fonts();
    // Generic "sans-serif" defaults to Arial, rarely installed on Linux: point it (and "serif")
    // at a family that is, DejaVu Sans if present.
    let family = db
        .faces()
        .flat_map(|f| f.families.iter().map(|(name, _)| name.clone()))
        .min_by_key(|name| (name != "DejaVu Sans", name.clone()));
    if let Some(family) = family {
        db.set_sans_serif_family(family.clone());
        db.set_serif_family(family);
    }
    let tree = usvg::Tree::from_str(svg, &opt)
        .map_err(|e| Error::Internal(format!("cannot read the drawing back: {e}")))?;
    let size = tree.size();
    let (w, h) = (
        (size.width() * zoom).ceil() as u32,
        (size.height() * zoom).ceil() as u32,
    );
    let mut pixmap = tiny_skia::Pixmap::new(w.max(1), h.max(1))
        .ok_or_else(|| Error::Internal("picture too large".into()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(zoom, zoom),
        &mut pixmap.as_mut(),
    );
    // The background is opaque, so premultiplied pixels are the straight RGBA PNG stores.
    let mut bytes = Vec::new();
    let mut enc = png::Encoder::new(&mut bytes, pixmap.width(), pixmap.height());
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let to_err = |e: png::EncodingError| Error::Internal(format!("PNG encoding failed: {e}"));
    enc.add_text_chunk("Software".into(), crate::io::owned::MARK.into())
        .map_err(to_err)?;
    let mut w = enc.write_header().map_err(to_err)?;
    w.write_image_data(pixmap.data()).map_err(to_err)?;
    w.finish().map_err(to_err)?;
    Ok(bytes)
}

/// SVG text with the [`crate::io::owned::MARK`] comment just inside its root element.
fn marked_svg(svg: String) -> String {
    let comment = format!("<!-- {} -->", crate::io::owned::MARK);
    match svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| i + j + 1))
    {
        Some(at) => format!("{}{comment}{}", &svg[..at], &svg[at..]),
        None => svg,
    }
}

/// How large a picture is written.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Size {
    /// As drawn (1 px per drawing unit: 96 dpi).
    #[default]
    AsDrawn,
    /// This many pixels wide, the height in proportion.
    Width(u32),
    /// At this resolution (96 is as drawn; 300 for print).
    Dpi(f64),
}

impl Size {
    /// The zoom of a drawing `width` units wide.
    fn zoom(self, width: u32) -> Result<f32> {
        let z = match self {
            Size::AsDrawn => 1.0,
            Size::Width(w) => f64::from(w) / f64::from(width.max(1)),
            Size::Dpi(d) => d / 96.0,
        };
        // 100 to 20,000 px wide for the map's 1,170 drawing units.
        if !(z.is_finite() && (0.1..=16.0).contains(&z)) {
            return Err(Error::Usage(format!(
                "the picture would be {:.0} px wide: choose a width from {:.0} to {:.0} px \
                 (or a dpi from 10 to 1536)",
                z * f64::from(width),
                0.1 * f64::from(width),
                16.0 * f64::from(width)
            )));
        }
        Ok(z as f32)
    }
}

/// An SVG document's root sized `zoom` times its drawing (the viewBox keeps the drawing).
fn sized_svg(svg: String, info: &Rendered, zoom: f32) -> String {
    if zoom == 1.0 {
        return svg;
    }
    let (w, h) = (info.width, info.height);
    let (zw, zh) = (
        (w as f32 * zoom).round() as u32,
        (h as f32 * zoom).round() as u32,
    );
    svg.replacen(&format!("height=\"{h}\""), &format!("height=\"{zh}\""), 1)
        .replacen(&format!("width=\"{w}\""), &format!("width=\"{zw}\""), 1)
}

/// Draws `dir` into `target` (`.svg` or `.png`, written atomically).
pub fn render(dir: &Path, target: &Path, opts: &MapOptions, size: Size) -> Result<Rendered> {
    let ext = target
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext != "svg" && ext != "png" {
        return Err(Error::Usage(format!(
            "{}: the picture's name must end in .svg or .png",
            target.display()
        )));
    }
    let (svg, mut info) = picture(dir, opts)?;
    let zoom = size.zoom(info.width)?;
    let bytes = if ext == "png" {
        png(&svg, zoom)?
    } else {
        marked_svg(sized_svg(svg, &info, zoom)).into_bytes()
    };
    crate::io::write_atomic(target, &bytes)?;
    info.width = (info.width as f32 * zoom).round() as u32;
    info.height = (info.height as f32 * zoom).round() as u32;
    Ok(info)
}
