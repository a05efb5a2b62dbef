//! Runs exercise-5's tests, unchanged, against this solution: the test file
//! imports `exercise_5`, so this crate's library is given that name here.

extern crate solution_5 as exercise_5;

#[path = "../../../exercises/exercise-5/tests/frames.rs"]
mod exercise_5_tests;
