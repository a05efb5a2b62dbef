//! Checks for the book: its Rust blocks are compiled and run by the tests
//! this crate's build script generates (see `build.rs`), and
//! `tests/pages.rs` checks the pages themselves.
