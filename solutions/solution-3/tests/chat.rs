//! Runs exercise-3's chat tests, unchanged, against this solution: the test
//! file imports `exercise_3`, so this crate's library is given that name here.

extern crate solution_3 as exercise_3;

#[path = "../../../exercises/exercise-3/tests/chat.rs"]
mod exercise_3_tests;
