//! Runs exercise-1's UDP tests, unchanged, against this solution: the test
//! file imports `exercise_1`, so this crate's library is given that name here.

extern crate solution_1 as exercise_1;

#[path = "../../../exercises/exercise-1/tests/async_udp_socket.rs"]
mod exercise_1_tests;
