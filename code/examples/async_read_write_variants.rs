//! The first scene of `async_read_write` with pipes of other sizes: how
//! many polls the reader and the writer need, which the quiz of chapter
//! "AsyncRead and AsyncWrite" asks the reader to predict (the page shows
//! the pipe of 4 bytes only).
//!
//! `cargo run -p code --example async_read_write_variants`

#[path = "async_read_write.rs"]
#[allow(dead_code)]
mod async_read_write;

fn main() {
    print!("{}", run());
}

/// The last line of each run: the count of polls.
pub fn run() -> String {
    code::block_on(async {
        let mut out = String::new();
        for capacity in [1, 2, 3, 8, 16] {
            let scene = async_read_write::parking(capacity)
                .await
                .expect("the pipe example failed");
            out += scene.lines().last().unwrap_or_default();
            out += "\n";
        }
        out
    })
}
