//! Runs exercise-2's `BufReader` tests, unchanged, against this solution:
//! the test file imports `exercise_2`, so this crate's library is given that
//! name here.

extern crate solution_2 as exercise_2;

#[path = "../../../exercises/exercise-2/tests/buf_reader.rs"]
mod exercise_2_tests;
