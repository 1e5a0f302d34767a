//! Same input and seed, same answer, whatever the thread count (the p-median relaxation runs
//! in parallel blocks from 1,500 demand points).

use archiplan::model::{Mclp, Model, PMedian, Problem};
use archiplan::solve::{SolveOptions, solve};
use archiplan::synth::random_points;

fn run_with_threads(threads: usize, problem: &Problem) -> archiplan::model::Solution {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| solve(problem, &SolveOptions::default()).expect("solve"))
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let inst = random_points(1600, 200, None, 11).expect("instance");
    for model in [
        Model::PMedian(PMedian::new(6)),
        Model::Mclp(Mclp::with_p(12.0, 6)),
    ] {
        let prob = Problem::new(inst.clone(), model);
        let one = run_with_threads(1, &prob);
        let two = run_with_threads(2, &prob);
        let four = run_with_threads(4, &prob);
        for other in [&two, &four] {
            assert_eq!(one.open, other.open);
            assert_eq!(one.objective.to_bits(), other.objective.to_bits());
            assert_eq!(one.bound.to_bits(), other.bound.to_bits());
            assert_eq!(one.assignment, other.assignment);
            assert_eq!(one.status, other.status);
        }
    }
}
