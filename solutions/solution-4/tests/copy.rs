//! Runs exercise-4's tests, unchanged, against this solution: the test file
//! imports `exercise_4`, so this crate's library is given that name here.

extern crate solution_4 as exercise_4;

#[path = "../../../exercises/exercise-4/tests/copy.rs"]
mod exercise_4_tests;
