//! Nothing to use here: this crate exists for its test,
//! `tests/exercises.rs`, which proves for every N that `exercise-N`
//! compiles and fails its tests only because of its `todo!()` stubs, and
//! that `solution-N` passes the very same tests.
//!
//! It is a default member of the workspace, so the root `cargo test` (and
//! CI) runs it. Run it alone with `cargo test -p exercise-check`.
