//! The sweep's Pareto chart (plotters, SVG): annual cost against mean coverage of the targets,
//! one point per planned scenario, the Pareto-efficient ones highlighted and numbered.

use crate::error::{Error, Result};
use crate::scenario::sweep::Row;
use plotters::prelude::*;

pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 560;

/// Mean achieved share over a row's targets (1 when it has none).
pub fn mean_coverage(r: &Row) -> f64 {
    if r.coverage.is_empty() {
        1.0
    } else {
        r.coverage.iter().map(|c| c.1).sum::<f64>() / r.coverage.len() as f64
    }
}

/// The chart as SVG text.
pub fn chart(rows: &[Row], title: &str) -> Result<String> {
    let pts: Vec<(f64, f64, &Row)> = rows
        .iter()
        .filter_map(|r| r.cost.map(|c| (mean_coverage(r) * 100.0, c / 1e6, r)))
        .collect();
    if pts.is_empty() {
        return Err(Error::Usage(
            "no scenario of this sweep has a plan: nothing to chart".into(),
        ));
    }
    let (mut x0, mut x1) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
        (a.0.min(p.0), a.1.max(p.0))
    });
    let (mut y0, mut y1) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
        (a.0.min(p.1), a.1.max(p.1))
    });
    let pad = |lo: &mut f64, hi: &mut f64, min_span: f64| {
        let span = (*hi - *lo).max(min_span);
        let mid = (*hi + *lo) / 2.0;
        *lo = mid - span * 0.6;
        *hi = mid + span * 0.6;
    };
    pad(&mut x0, &mut x1, 1.0);
    let min_cost_span = (y1.abs() * 0.02).max(0.1);
    pad(&mut y0, &mut y1, min_cost_span);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let draw = |e: &dyn std::fmt::Display| Error::Internal(format!("chart: {e}"));
        root.fill(&WHITE).map_err(|e| draw(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| draw(&e))?;
        chart
            .configure_mesh()
            .x_desc("mean coverage of the targets (%)")
            .y_desc("annual cost (million CNY)")
            .draw()
            .map_err(|e| draw(&e))?;
        chart
            .draw_series(pts.iter().filter(|p| !p.2.pareto).map(|p| {
                Circle::new(
                    (p.0, p.1),
                    4,
                    ShapeStyle::from(&RGBColor(140, 140, 140)).filled(),
                )
            }))
            .map_err(|e| draw(&e))?
            .label("dominated scenario")
            .legend(|(x, y)| Circle::new((x, y), 4, RGBColor(140, 140, 140).filled()));
        // No line through the efficient points: they are efficient on three criteria (travel
        // time too), so in this plane they need not form a front.
        let front: Vec<&(f64, f64, &Row)> = pts.iter().filter(|p| p.2.pareto).collect();
        chart
            .draw_series(front.iter().map(|p| {
                EmptyElement::at((p.0, p.1))
                    + Circle::new((0, 0), 6, RGBColor(214, 39, 40).filled())
                    + plotters::element::Text::new(
                        format!("#{}", p.2.index),
                        (8, -12),
                        ("sans-serif", 12),
                    )
            }))
            .map_err(|e| draw(&e))?
            .label("Pareto-efficient (cost, coverage, travel)")
            .legend(|(x, y)| Circle::new((x, y), 6, RGBColor(214, 39, 40).filled()));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| draw(&e))?;
        root.present().map_err(|e| draw(&e))?;
    }
    Ok(svg)
}
