//! Numbers as people read them: thousands separators, whole amounts. One place for every
//! report, table and message.

/// 207982 -> "207,982".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Whole yuan (or any amount) with thousands separators: `67,304,350`. Amounts whose digits
/// would not all be meaningful in `f64` (from 1e15 on) are written in scientific notation
/// (`1e308`), never as a saturated integer or 309 digits; negative amounts keep their sign,
/// and -0 is 0.
pub fn amount(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let r = x.round();
    if r.abs() >= 1e15 {
        return format!("{x:e}");
    }
    let s = thousands(r.abs() as u64);
    if r < 0.0 { format!("-{s}") } else { s }
}
