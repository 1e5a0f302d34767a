//! Map labels without overlaps: greedy by priority, each label tried at a few positions of its
//! own (inside its island, then beside it), kept at the first position whose box overlaps no
//! label already placed and no reserved area, and stays inside the map; dropped otherwise.

use svg::node::element::{Group, Text};

/// An axis-aligned box: left, top, right, bottom (px).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boxed {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Boxed {
    pub fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Self {
        Boxed { x0, y0, x1, y1 }
    }

    fn overlaps(&self, o: &Boxed) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    fn within(&self, o: &Boxed) -> bool {
        self.x0 >= o.x0 && self.x1 <= o.x1 && self.y0 >= o.y0 && self.y1 <= o.y1
    }
}

/// A label to place: its text, font size and the top-left corners to try, best first.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub text: String,
    pub size: f64,
    pub tries: Vec<(f64, f64)>,
    /// The SVG element's class (`island-label`, `village-label`).
    pub class: &'static str,
}

/// The width of `text` at `size` px, estimated: CJK and other wide characters a full em,
/// capitals and digits 0.68 em, the rest 0.55 em (DejaVu Sans proportions, rounded up).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| {
            if (c as u32) >= 0x2E80 {
                1.0
            } else if c.is_ascii_uppercase() || c.is_ascii_digit() {
                0.68
            } else {
                0.55
            }
        })
        .sum::<f64>()
        * size
}

/// The box of a label of `size` px whose top-left corner is `at`.
pub fn label_box(text: &str, size: f64, at: (f64, f64)) -> Boxed {
    Boxed::new(at.0, at.1, at.0 + text_width(text, size), at.1 + size * 1.2)
}

/// Places labels in the given order (highest priority first); returns, per candidate, the
/// top-left corner it got, or `None` when every try collided.
pub fn place(cands: &[Candidate], frame: Boxed, reserved: &[Boxed]) -> Vec<Option<(f64, f64)>> {
    let mut taken: Vec<Boxed> = reserved.to_vec();
    cands
        .iter()
        .map(|c| {
            let at = c.tries.iter().copied().find(|&at| {
                let b = label_box(&c.text, c.size, at);
                b.within(&frame) && !taken.iter().any(|t| t.overlaps(&b))
            })?;
            taken.push(label_box(&c.text, c.size, at));
            Some(at)
        })
        .collect()
}

/// The placed labels as SVG text with a white halo (drawn under the glyphs).
pub fn layer(id: &str, cands: &[Candidate], placed: &[Option<(f64, f64)>]) -> Group {
    let mut g = Group::new().set("id", id);
    for (c, at) in cands.iter().zip(placed) {
        let Some((x, y)) = at else { continue };
        g = g.add(
            Text::new(c.text.clone())
                .set("class", c.class)
                .set("x", format!("{x:.1}"))
                // Baseline at 0.95 of the line box: descenders stay inside it.
                .set("y", format!("{:.1}", y + c.size * 0.95))
                .set("font-size", c.size)
                .set("font-family", "DejaVu Sans, Arial, sans-serif")
                .set("fill", "#1a1a1a")
                .set("stroke", "#ffffff")
                .set("stroke-width", (c.size / 4.0).max(1.5))
                .set("stroke-linejoin", "round")
                .set("paint-order", "stroke"),
        );
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(text: &str, tries: Vec<(f64, f64)>) -> Candidate {
        Candidate {
            text: text.into(),
            size: 10.0,
            tries,
            class: "t",
        }
    }

    #[test]
    fn a_colliding_label_moves_to_its_next_position_or_is_dropped() {
        let frame = Boxed::new(0.0, 0.0, 200.0, 100.0);
        let cands = vec![
            cand("Alpha", vec![(10.0, 10.0)]),
            // Its first try overlaps Alpha, its second is free.
            cand("Beta", vec![(12.0, 12.0), (10.0, 40.0)]),
            // Only colliding or out-of-frame positions: dropped.
            cand("Gamma", vec![(11.0, 11.0), (190.0, 50.0)]),
            // Inside the reserved corner: dropped.
            cand("Delta", vec![(150.0, 80.0)]),
        ];
        let reserved = [Boxed::new(140.0, 70.0, 200.0, 100.0)];
        let placed = place(&cands, frame, &reserved);
        assert_eq!(
            placed,
            vec![Some((10.0, 10.0)), Some((10.0, 40.0)), None, None]
        );
    }

    #[test]
    fn placed_boxes_never_overlap() {
        let frame = Boxed::new(0.0, 0.0, 300.0, 300.0);
        let cands: Vec<Candidate> = (0..60)
            .map(|k| {
                let (x, y) = ((k * 37 % 250) as f64, (k * 53 % 280) as f64);
                cand(
                    &format!("Island {k}"),
                    vec![(x, y), (x + 20.0, y), (x, y + 15.0), (x - 40.0, y)],
                )
            })
            .collect();
        let placed = place(&cands, frame, &[]);
        let boxes: Vec<Boxed> = cands
            .iter()
            .zip(&placed)
            .filter_map(|(c, p)| p.map(|at| label_box(&c.text, c.size, at)))
            .collect();
        assert!(boxes.len() > 10);
        for (i, a) in boxes.iter().enumerate() {
            assert!(a.within(&frame));
            for b in &boxes[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn wide_characters_count_a_full_em() {
        assert_eq!(text_width("岱山岛", 10.0), 30.0);
        assert!(text_width("Daishan", 10.0) < 45.0);
    }
}
