//! The ratings as bar charts: one panel per rating question (1★ to 5★, how
//! many gave each), stacked in one PNG, [`WIDTH`] wide and [`PANEL_HEIGHT`]
//! per question.
//!
//! Text needs a font file, loaded once at run time: a CJK font when the
//! machine has one (CI installs fonts-wqy-microhei; Noto CJK and others are
//! looked for too), else any font, whose missing characters make a prompt
//! show as "Q1" instead; with no font at all the bars are drawn without text.
//! Drawing never depends on the font being there, and a panic inside the
//! plotting library becomes an error, not a crash.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _};
use anyhow::anyhow;
use plotters::element::Text as Label; // not `Text`: the locale test reads `Text::new` as a message key
use plotters::prelude::*;

use super::{Detail, QuestionResult, SurveyResults};

pub const WIDTH: u32 = 800;
pub const PANEL_HEIGHT: u32 = 300;

/// The name the font is registered under with plotters.
const FONT: &str = "propdesk-chart";
const CAPTION_PX: f32 = 20.0;
const LABEL_PX: f32 = 15.0;
/// 1★ red to 5★ green.
const BAR_COLORS: [RGBColor; 5] = [
    RGBColor(0xd9, 0x53, 0x4f),
    RGBColor(0xf0, 0xad, 0x4e),
    RGBColor(0xe8, 0xc5, 0x3a),
    RGBColor(0x9a, 0xc8, 0x3c),
    RGBColor(0x4c, 0xae, 0x4c),
];
/// Font files are a few MB; anything huge is not one we want.
const FONT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Where Linux distributions (and macOS) keep fonts with Chinese glyphs,
/// most common first.
const CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
];
const FONT_DIRS: &[&str] = &["/usr/share/fonts", "/usr/local/share/fonts"];
/// A file whose name says CJK.
const CJK_NAME_HINTS: &[&str] = &["cjk", "wqy", "droidsansfallback", "sourcehan", "uming", "ukai", "sc-", "hei"];

/// A font loaded and registered with plotters.
pub(super) struct ChartFont {
    face: FontRef<'static>,
}

impl ChartFont {
    fn has_all(&self, s: &str) -> bool {
        s.chars().all(|c| c.is_whitespace() || self.face.glyph_id(c).0 != 0)
    }

    fn width(&self, s: &str, px: f32) -> f32 {
        let scaled = self.face.as_scaled(PxScale::from(px));
        s.chars().map(|c| scaled.h_advance(scaled.glyph_id(c))).sum()
    }

    /// `s` cut with an ellipsis to fit `max` pixels.
    fn fit(&self, s: &str, px: f32, max: f32) -> String {
        if self.width(s, px) <= max {
            return s.to_owned();
        }
        let ellipsis = if self.has_all("…") { "…" } else { "..." };
        let mut out: String = s.to_owned();
        while !out.is_empty() && self.width(&format!("{out}{ellipsis}"), px) > max {
            out.pop();
        }
        format!("{out}{ellipsis}")
    }
}

static LOADED: OnceLock<Option<ChartFont>> = OnceLock::new();

/// The font charts use, found and registered on first use; None on a
/// machine without fonts.
pub(super) fn font() -> Option<&'static ChartFont> {
    LOADED
        .get_or_init(|| {
            let found = load_font();
            match &found {
                Some(f) => tracing::debug!(cjk = f.has_all("满意"), "chart font loaded"),
                None => tracing::warn!(
                    "no font file found for survey charts: they are drawn without text \
                     (install fonts-wqy-microhei or fonts-noto-cjk)"
                ),
            }
            found
        })
        .as_ref()
}

fn load_font() -> Option<ChartFont> {
    let mut others = Vec::new();
    for dir in FONT_DIRS {
        font_files(Path::new(dir), 0, &mut others);
    }
    others.sort();
    let (hinted, rest): (Vec<PathBuf>, Vec<PathBuf>) = others.into_iter().partition(|p| {
        let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        CJK_NAME_HINTS.iter().any(|h| name.contains(h))
    });
    // A CJK font if there is one anywhere; else the first font that loads.
    let cjk = CJK_FONTS.iter().map(PathBuf::from).chain(hinted.iter().cloned());
    let mut fallback: Option<PathBuf> = None;
    for path in cjk {
        if let Some(bytes) = read_font(&path)
            && let Ok(face) = FontRef::try_from_slice(&bytes)
        {
            if face.glyph_id('满').0 != 0 {
                return register(bytes);
            }
            fallback.get_or_insert(path);
        }
    }
    // Prefer a plain sans font among the rest.
    let mut rest = rest;
    rest.sort_by_key(|p| {
        let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        !(name.starts_with("dejavusans.") || name.starts_with("liberationsans-regular") || name.contains("sans"))
    });
    for path in fallback.into_iter().chain(rest) {
        if let Some(bytes) = read_font(&path)
            && let Some(font) = register(bytes)
        {
            return Some(font);
        }
    }
    None
}

fn font_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 4 || out.len() > 2_000 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            font_files(&path, depth + 1, out);
        } else if path.extension().is_some_and(|e| ["ttf", "ttc", "otf"].iter().any(|x| e.eq_ignore_ascii_case(x))) {
            out.push(path);
        }
    }
}

fn read_font(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    (meta.is_file() && meta.len() <= FONT_MAX_BYTES).then(|| std::fs::read(path).ok()).flatten()
}

/// Keeps the bytes for the life of the process (plotters wants them
/// `'static`; one font, loaded once) and registers them with plotters.
fn register(bytes: Vec<u8>) -> Option<ChartFont> {
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let face = FontRef::try_from_slice(bytes).ok()?;
    if face.glyph_id('1').0 == 0 {
        return None; // a symbol font
    }
    plotters::style::register_font(FONT, FontStyle::Normal, bytes).ok()?;
    Some(ChartFont { face })
}

pub(super) fn render(results: &SurveyResults) -> anyhow::Result<Vec<u8>> {
    render_with(results, font())
}

/// The chart with a given font (tests draw without one too).
pub(super) fn render_with(results: &SurveyResults, font: Option<&ChartFont>) -> anyhow::Result<Vec<u8>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| draw(results, font)))
        .unwrap_or_else(|_| Err(anyhow!("the chart library panicked")))
}

fn draw(results: &SurveyResults, font: Option<&ChartFont>) -> anyhow::Result<Vec<u8>> {
    let panels: Vec<(&QuestionResult, [i64; 5])> = results
        .questions
        .iter()
        .filter_map(|q| match q.detail {
            Detail::Rating { counts } => Some((q, counts)),
            _ => None,
        })
        .collect();
    let (width, height) = (WIDTH, PANEL_HEIGHT * panels.len().max(1) as u32);
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow!("drawing the chart: {e}"))?;
        if panels.is_empty() {
            if let Some(font) = font {
                let title = font.fit(&results.title, CAPTION_PX, WIDTH as f32 - 40.0);
                root.draw(&Label::new(title, (20, 20), (FONT, CAPTION_PX as f64).into_font()))
                    .map_err(|e| anyhow!("drawing the chart: {e}"))?;
            }
        } else {
            let areas = root.split_evenly((panels.len(), 1));
            for (area, (q, counts)) in areas.iter().zip(&panels) {
                panel(area, q, counts, font).map_err(|e| anyhow!("drawing the chart: {e}"))?;
            }
        }
        root.present().map_err(|e| anyhow!("drawing the chart: {e}"))?;
    }
    encode_png(&rgb, width, height)
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn panel(
    area: &Area<'_>,
    q: &QuestionResult,
    counts: &[i64; 5],
    font: Option<&ChartFont>,
) -> Result<(), DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>> {
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n: i64 = counts.iter().sum();
    let mut builder = ChartBuilder::on(area);
    builder.margin(12);
    if let Some(font) = font {
        let number = format!("Q{}", q.position + 1);
        let full = format!("{number} {}", q.question.prompt);
        let caption = if font.has_all(&full) { font.fit(&full, CAPTION_PX, WIDTH as f32 - 40.0) } else { number };
        let caption = match q.average() {
            Some(avg) => format!("{caption}  ({avg:.1}★, n={n})"),
            None => caption,
        };
        let caption = font.fit(&caption, CAPTION_PX, WIDTH as f32 - 30.0);
        builder.caption(caption, (FONT, CAPTION_PX as f64)).x_label_area_size(28).y_label_area_size(44);
    }
    // Five segments, one per star count; bars and labels sit in them.
    let mut chart = builder.build_cartesian_2d((1i32..5i32).into_segmented(), 0f64..top * 1.18)?;
    if let Some(font) = font {
        let star = if font.has_all("★") { "★" } else { "" };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(s) if (1..=5).contains(s) => format!("{s}{star}"),
                _ => String::new(),
            })
            .y_label_formatter(&|y| if y.fract() == 0.0 { format!("{}", *y as i64) } else { String::new() })
            .y_labels((top as usize + 1).min(6))
            .label_style((FONT, LABEL_PX as f64))
            .draw()?;
    }
    chart.draw_series(counts.iter().enumerate().map(|(i, c)| {
        let s = i as i32 + 1;
        let mut bar = Rectangle::new(
            [(SegmentValue::Exact(s), 0.0), (SegmentValue::Exact(s + 1), *c as f64)],
            BAR_COLORS[i].filled(),
        );
        bar.set_margin(0, 0, 28, 28);
        bar
    }))?;
    if font.is_none() {
        // No axes without a font to label them: a baseline at least.
        chart.draw_series(std::iter::once(PathElement::new(
            [(SegmentValue::Exact(1), 0.0), (SegmentValue::Last, 0.0)],
            BLACK.stroke_width(1),
        )))?;
    } else {
        let style = (FONT, LABEL_PX as f64).into_font().color(&BLACK);
        chart.draw_series(counts.iter().enumerate().map(|(i, c)| {
            let label = c.to_string();
            let shift = -(font.map_or(0.0, |f| f.width(&label, LABEL_PX)) / 2.0) as i32;
            EmptyElement::at((SegmentValue::CenterOf(i as i32 + 1), *c as f64))
                + Label::new(label, (shift, -(LABEL_PX as i32) - 4), style.clone())
        }))?;
    }
    Ok(())
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::survey::{Question, QuestionKind};

    fn results(ratings: usize) -> SurveyResults {
        let q = |position: usize, kind: QuestionKind, detail: Detail| QuestionResult {
            position,
            question: Question {
                kind,
                prompt: "您对维修服务（响应速度、维修质量）的满意程度？".into(),
                options: Vec::new(),
                required: true,
            },
            answered: 20,
            detail,
        };
        let mut questions: Vec<QuestionResult> = (0..ratings)
            .map(|i| q(i, QuestionKind::Rating, Detail::Rating { counts: [1, 2, 3, 5, 9 + i as i64] }))
            .collect();
        questions.push(q(ratings, QuestionKind::Text, Detail::Text { latest: Vec::new() }));
        SurveyResults {
            survey_id: 1,
            title: "2026年第四季度业主满意度调查".into(),
            building: None,
            invited: 40,
            submitted: 20,
            questions,
            buildings: Vec::new(),
        }
    }

    /// (width, height) from the IHDR chunk, after checking the signature.
    fn png_size(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        (be(&png[16..20]), be(&png[20..24]))
    }

    #[test]
    fn each_rating_question_gets_a_panel_with_the_machines_font() {
        let png = results(2).chart_png().unwrap();
        assert_eq!(png_size(&png), (WIDTH, 2 * PANEL_HEIGHT));
        assert!(png.len() > 2_000 && png.len() < 2_000_000, "{} bytes", png.len());
    }

    #[test]
    fn without_any_font_the_bars_are_still_drawn() {
        let png = render_with(&results(3), None).unwrap();
        assert_eq!(png_size(&png), (WIDTH, 3 * PANEL_HEIGHT));
        let decoded = png::Decoder::new(std::io::Cursor::new(&png)).read_info().unwrap();
        assert_eq!(decoded.info().color_type, png::ColorType::Rgb);
    }

    #[test]
    fn a_survey_without_ratings_gives_one_plain_panel() {
        let png = results(0).chart_png().unwrap();
        assert_eq!(png_size(&png), (WIDTH, PANEL_HEIGHT));
    }
}
