//! A spawned task holds its future once: `spawn` costs the future's size and
//! a little more, not twice the future (what an `async` block that captured
//! the future and awaited it would cost). With 10,000 connections, each
//! byte of a task is 10 KB of the server's memory.
//!
//! An allocator that counts bytes, in this test binary only, measures what
//! one `spawn` allocates.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes allocated while `f` runs (on any thread; the test runs alone in
/// its binary, and nothing else runs meanwhile).
fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    ALLOCATED.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let result = f();
    COUNTING.store(false, Ordering::Relaxed);
    (result, ALLOCATED.load(Ordering::Relaxed))
}

#[test]
fn a_spawned_task_holds_its_future_once() {
    code::block_on(async {
        // A future with 16 KiB in its state, so that a second copy would
        // stand out from the task's bookkeeping (a few hundred bytes).
        let big = async {
            let buffer = [7u8; 16 * 1024];
            code::executor::yield_now().await;
            buffer.iter().map(|&b| b as usize).sum::<usize>()
        };
        let size = std::mem::size_of_val(&big);
        assert!(size >= 16 * 1024, "the test future is {size} bytes");
        let (handle, bytes) = allocated_by(|| code::spawn(big));
        assert!(
            bytes >= size && bytes < size + 1024,
            "spawning a future of {size} bytes allocated {bytes} bytes: a task should hold its \
             future once, plus a few hundred bytes of its own"
        );
        assert_eq!(handle.await, 7 * 16 * 1024);
    });
}
