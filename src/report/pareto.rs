//! The sweep's Pareto chart (plotters, SVG): annual cost against mean coverage of the targets,
//! one point per planned scenario, the Pareto-efficient ones highlighted and numbered.

use super::results::{Row, yardstick};
use crate::error::{Error, Result};
use plotters::prelude::*;

pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 560;
/// The chart's caption, in `render` and in the report.
pub const TITLE: &str = "Sweep: annual cost against coverage";

/// One colour per group of comparable scenarios (red first: the usual single group).
const PALETTE: [RGBColor; 5] = [
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
];

pub use super::results::mean_coverage;

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
    let ((x0, x1), (y0, mut y1)) = axes(&pts);
    let (group_of, firsts, labels) = groups(&pts);
    let longest = labels
        .iter()
        .map(|(a, b)| a.chars().count().max(b.chars().count()))
        .max()
        .unwrap_or(0);
    let corner = legend_corner(
        &pts.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(),
        (x0, x1),
        (y0, &mut y1),
        (longest, 2 * labels.len()),
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let draw = |e: &dyn std::fmt::Display| Error::Internal(format!("chart: {e}"));
        root.fill(&WHITE).map_err(|e| draw(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(MARGIN)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| draw(&e))?;
        chart
            .configure_mesh()
            .x_desc("mean coverage of the targets (%)")
            .y_desc("annual cost (million CNY)")
            .draw()
            .map_err(|e| draw(&e))?;
        let several = firsts.len() > 1;
        for (g, (&first, (dominated_label, efficient_label))) in
            firsts.iter().zip(&labels).enumerate()
        {
            let colour = PALETTE[g % PALETTE.len()];
            let members = || {
                pts.iter()
                    .zip(&group_of)
                    .filter(move |(_, k)| **k == first)
                    .map(|(p, _)| p)
            };
            // One group: grey dots for the dominated; several: hollow dots in the group colour.
            let dot = move |(x, y): (i32, i32)| {
                let style = if several {
                    ShapeStyle::from(&colour).stroke_width(2)
                } else {
                    ShapeStyle::from(&RGBColor(140, 140, 140)).filled()
                };
                Circle::new((x, y), 4, style)
            };
            chart
                .draw_series(
                    members()
                        .filter(|p| !p.2.pareto)
                        .map(|p| EmptyElement::at((p.0, p.1)) + dot((0, 0))),
                )
                .map_err(|e| draw(&e))?
                .label(dominated_label)
                .legend(dot);
            // No line through the efficient points: they are efficient on three criteria
            // (travel time too), so in this plane they need not form a front.
            chart
                .draw_series(members().filter(|p| p.2.pareto).map(|p| {
                    EmptyElement::at((p.0, p.1))
                        + Circle::new((0, 0), 6, colour.filled())
                        + plotters::element::Text::new(
                            format!("#{}", p.2.index),
                            (8, -12),
                            ("sans-serif", 12),
                        )
                }))
                .map_err(|e| draw(&e))?
                .label(efficient_label)
                .legend(move |(x, y)| Circle::new((x, y), 6, colour.filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .position(corner)
            .draw()
            .map_err(|e| draw(&e))?;
        root.present().map_err(|e| draw(&e))?;
    }
    Ok(svg)
}

/// The axes' ranges: the points' spans, padded (at least 1 point of coverage and 2% of the
/// cost).
fn axes(pts: &[(f64, f64, &Row)]) -> ((f64, f64), (f64, f64)) {
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
    ((x0, x1), (y0, y1))
}

/// Each point's group (points sharing a yardstick, by the first point's index), the groups'
/// first points, and the two legend labels of each group.
#[allow(clippy::type_complexity)]
fn groups(pts: &[(f64, f64, &Row)]) -> (Vec<usize>, Vec<usize>, Vec<(String, String)>) {
    // Scenarios measured on other targets are not comparable: each group gets its own
    // colour, and the efficient points are efficient within their group.
    let sticks: Vec<_> = pts.iter().map(|p| yardstick(p.2)).collect();
    let group_of: Vec<usize> = (0..pts.len())
        .map(|k| sticks.iter().position(|s| *s == sticks[k]).unwrap_or(k))
        .collect();
    // Each group by its first point (in order of appearance); its legend names that scenario
    // when there are several.
    let mut firsts: Vec<usize> = group_of.clone();
    firsts.sort_unstable();
    firsts.dedup();
    // A group is named by the `key=value` parts of the scenario labels that all its members
    // share and not every scenario does (`targets=scenario-2025`); by its first scenario's
    // number when there is no such part.
    let parts = |r: &Row| -> Vec<String> {
        r.scenario
            .split(',')
            .map(|p| p.trim().to_string())
            .collect()
    };
    let everywhere: Vec<String> = pts.first().map_or(Vec::new(), |p| {
        parts(p.2)
            .into_iter()
            .filter(|x| pts.iter().all(|q| parts(q.2).contains(x)))
            .collect()
    });
    let name = |first: usize| {
        let g = group_of[first];
        let members: Vec<Vec<String>> = (0..pts.len())
            .filter(|&k| group_of[k] == g)
            .map(|k| parts(pts[k].2))
            .collect();
        let own: Vec<String> = members[0]
            .iter()
            .filter(|x| members.iter().all(|m| m.contains(x)) && !everywhere.contains(x))
            .cloned()
            .collect();
        if own.is_empty() {
            format!("targets as in #{}", pts[first].2.index)
        } else {
            own.join(", ")
        }
    };
    let suffix = |first: usize| {
        if firsts.len() > 1 {
            format!(", {}", name(first))
        } else {
            String::new()
        }
    };
    let labels: Vec<(String, String)> = firsts
        .iter()
        .map(|&f| {
            (
                format!("dominated scenario{}", suffix(f)),
                format!("Pareto-efficient (cost, coverage, travel){}", suffix(f)),
            )
        })
        .collect();
    (group_of, firsts, labels)
}

/// Chart layout in pixels, shared by the drawing and the legend placement.
const MARGIN: u32 = 16;
const X_LABEL_AREA: u32 = 44;
const Y_LABEL_AREA: u32 = 70;
/// Height of the 20 px caption with its spacing.
const CAPTION: u32 = 30;
/// The plot area: the canvas less margins, caption and axis label areas.
const PLOT_W: f64 = (WIDTH - 2 * MARGIN - Y_LABEL_AREA) as f64;
const PLOT_H: f64 = (HEIGHT - 2 * MARGIN - CAPTION - X_LABEL_AREA) as f64;

/// A legend corner that hides no point: the emptiest corner for a box of `longest` characters
/// by `entries` lines; when every corner holds a point, the cost axis is raised to make room
/// above them all and the legend goes upper left.
fn legend_corner(
    pts: &[(f64, f64)],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, &mut f64),
    (longest, entries): (usize, usize),
) -> SeriesLabelPosition {
    let w = ((longest as f64 * 6.5 + 60.0) / PLOT_W).min(1.0);
    let h = ((entries as f64 * 20.0 + 16.0) / PLOT_H).min(0.9);
    let inside = |left: bool, top: bool| {
        pts.iter()
            .filter(|&&(x, y)| {
                let fx = (x - x0) / (x1 - x0);
                let fy = (y - y0) / (*y1 - y0);
                (if left { fx <= w } else { fx >= 1.0 - w })
                    && (if top { fy >= 1.0 - h } else { fy <= h })
            })
            .count()
    };
    let corners = [
        (SeriesLabelPosition::UpperLeft, true, true),
        (SeriesLabelPosition::UpperRight, false, true),
        (SeriesLabelPosition::LowerLeft, true, false),
        (SeriesLabelPosition::LowerRight, false, false),
    ];
    for (position, left, top) in corners {
        if inside(left, top) == 0 {
            return position;
        }
    }
    let top = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    *y1 = y0 + (top - y0) / (1.0 - h - 0.04);
    SeriesLabelPosition::UpperLeft
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_takes_an_empty_corner_or_makes_room() {
        let mut y1 = 10.0;
        // Upper left holds a point; upper right is free.
        let pos = legend_corner(
            &[(0.1, 9.9), (5.0, 5.0)],
            (0.0, 10.0),
            (0.0, &mut y1),
            (30, 2),
        );
        assert!(matches!(pos, SeriesLabelPosition::UpperRight));
        assert_eq!(y1, 10.0);
        // Every corner holds a point: the axis grows so that all lie below the legend.
        let corners = [(0.1, 9.9), (9.9, 9.9), (0.1, 0.1), (9.9, 0.1)];
        let pos = legend_corner(&corners, (0.0, 10.0), (0.0, &mut y1), (30, 2));
        assert!(matches!(pos, SeriesLabelPosition::UpperLeft));
        let h = (2.0 * 20.0 + 16.0) / PLOT_H;
        assert!(9.9 / y1 < 1.0 - h, "top point at {} of the axis", 9.9 / y1);
    }
}
