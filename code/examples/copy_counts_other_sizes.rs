//! The count of reads and writes of `copy_counts`, for buffer sizes that
//! chapter "copy and throughput" does not show: one that does not divide
//! the data, and one as large as all of it. Its quiz asks the reader to
//! predict them.
//!
//! `cargo run -p code --example copy_counts_other_sizes`

#[allow(dead_code)] // only the counting is used here
#[path = "copy_counts.rs"]
mod copy_counts;

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    let mut out = format!(
        "copying {} MiB in memory with copy_with_buffer, other sizes:\n",
        copy_counts::TOTAL >> 20
    );
    // 3 KiB leaves a last, shorter piece; 1024 KiB holds everything at once.
    for kib in [3, 1024] {
        out += &copy_counts::count_line(kib);
    }
    out
}
