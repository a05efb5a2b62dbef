//! `cargo run -p solution-3 -- echo|chat [PORT]`: exercise-3's own
//! `src/main.rs`, run with this solution's servers. It imports
//! `exercise_3`, so this crate's library is given that name here.

extern crate solution_3 as exercise_3;

#[path = "../../../exercises/exercise-3/src/main.rs"]
mod try_by_hand;

fn main() {
    try_by_hand::main();
}
