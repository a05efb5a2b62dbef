//! The throughput measurement of exercise 4, run with this solution's
//! `copy`: `cargo run --release -p solution-4`. The program is exercise-4's
//! own `src/main.rs`; it imports `exercise_4`, so this crate's library is
//! given that name here.

extern crate solution_4 as exercise_4;

#[path = "../../../exercises/exercise-4/src/main.rs"]
mod throughput;

fn main() {
    throughput::main();
}
