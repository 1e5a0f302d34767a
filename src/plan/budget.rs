//! Sharing a time budget among jobs run in parallel: the components of a priced round, the
//! services of a plan.

use crate::solve::Deadline;
use std::time::Instant;

/// How jobs share a budget: every job starts with a slice of what is left of the budget times
/// the threads, in proportion to its weight among the jobs not yet started, so the work fits
/// the budget whatever the thread count, and time a quick job leaves unused goes to the later
/// ones. Largest first (`order`), so the long jobs overlap the many short ones.
pub(crate) struct Shares {
    pub order: Vec<usize>,
    weight: Vec<f64>,
    end: Option<Instant>,
    /// Total weight of the jobs not yet started.
    left: std::sync::Mutex<f64>,
}

impl Shares {
    /// Jobs of these weights sharing `budget` seconds (`None`: no limit), started in
    /// descending order of `size` (ties by index).
    pub fn new(weight: Vec<f64>, size: &[f64], budget: Option<f64>) -> Self {
        let mut order: Vec<usize> = (0..weight.len()).collect();
        order.sort_by(|&a, &b| size[b].total_cmp(&size[a]).then(a.cmp(&b)));
        let end = budget.map(|r| Instant::now() + std::time::Duration::from_secs_f64(r));
        Shares {
            order,
            left: std::sync::Mutex::new(weight.iter().sum()),
            weight,
            end,
        }
    }

    /// The seconds job `c` may take, fixed as it starts (`None`: no limit).
    pub fn seconds_for(&self, c: usize) -> Option<f64> {
        let end = self.end?;
        let mut left = self
            .left
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let share = if *left > 0.0 {
            self.weight[c] / *left
        } else {
            1.0
        };
        *left -= self.weight[c];
        drop(left);
        let time = end.saturating_duration_since(Instant::now()).as_secs_f64();
        let threads = rayon::current_num_threads() as f64;
        // At least a twentieth of a second, at most what is left of the budget.
        Some((time * threads * share).min(time).max(0.05))
    }

    /// [`Shares::seconds_for`] as a deadline.
    pub fn deadline_for(&self, c: usize) -> Deadline {
        Deadline::after(self.seconds_for(c))
    }
}
