//! Watches the sizes of allocations, so a test can tell whether
//! `read_frame` allocated room for a frame before it checked the frame's
//! length against the maximum.
//!
//! The test binary's allocator is std's own, behind a wrapper that notes
//! the largest size asked for on each thread. A request of
//! [`REFUSED_FROM`] bytes or more is refused (the allocation fails, and the
//! process stops with "memory allocation of N bytes failed"): no test needs
//! that much, and only a frame length taken on trust asks for it. Refusing
//! it makes that mistake fail alike on every system, where granting it
//! might succeed on one (memory promised, not yet used) and fail on another.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The smallest request refused: 256 MiB.
pub const REFUSED_FROM: usize = 256 << 20;

struct Watching;

#[global_allocator]
static ALLOCATOR: Watching = Watching;

thread_local! {
    /// The largest size this thread asked for since `reset`. A `const`
    /// thread-local of a `Cell<usize>` needs no allocation of its own.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// Notes `size`; false if the request is refused.
fn note(size: usize) -> bool {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
    size < REFUSED_FROM
}

// SAFETY: every call is passed on to `System` unchanged, or refused with a
// null pointer, which `GlobalAlloc` allows for any request.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !note(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's promises about `layout` hold for `System` too.
        unsafe { System.alloc(layout) }
    }

    // Passed on as such (not as `alloc` and zeroing, the default), so a
    // zeroed allocation costs no more here than without the wrapper.
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !note(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System`, through this wrapper.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !note(new_size) {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` came from `System`, through this wrapper.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Forgets the sizes noted so far on this thread.
pub fn reset() {
    LARGEST.with(|largest| largest.set(0));
}

/// The largest size this thread asked for since [`reset`].
pub fn largest() -> usize {
    LARGEST.with(Cell::get)
}
