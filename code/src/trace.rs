//! A trace of what the runtime does, for seeing the readiness pattern happen.
//!
//! Off by default, and then it costs one thread-local check per trace point.
//! [`capture`] runs a closure with tracing on and returns the lines; the
//! chapter "Following the data" prints such a trace.

use std::cell::RefCell;

thread_local! {
    /// The lines recorded so far, while a capture is running.
    static LINES: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Records one line if tracing is on (the runtime calls it at each step). The closure builds the line, so a
/// disabled trace does not even format it.
pub fn emit(line: impl FnOnce() -> String) {
    LINES.with(|lines| {
        if let Some(lines) = lines.borrow_mut().as_mut() {
            lines.push(line());
        }
    });
}

/// Runs `f` with tracing on for this thread and returns its result with the
/// lines the runtime traced meanwhile.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let previous = LINES.with(|lines| lines.borrow_mut().replace(Vec::new()));
    let result = f();
    let captured = LINES.with(|lines| std::mem::replace(&mut *lines.borrow_mut(), previous));
    (result, captured.unwrap_or_default())
}
