//! The scenes of `partial_reads_and_writes` with other inputs: what the
//! quiz of chapter "Partial reads and writes" asks the reader to predict,
//! and the page does not show.
//!
//! `cargo run -p code --example partial_reads_and_writes_variants`

#[path = "partial_reads_and_writes.rs"]
#[allow(dead_code)]
mod partial_reads_and_writes;

use std::io;

use code::io::{read_exact, write_all};
use partial_reads_and_writes::{Script, show};

fn main() {
    print!("{}", run());
}

pub fn run() -> String {
    code::block_on(async {
        let mut out = String::new();
        for word in [&b"cheeseburger"[..], b"fries"] {
            out += &partial_reads_and_writes::to_trickle(word).await;
        }

        // The stream ends before the buffer is full, after two pieces.
        let mut reader = Script(vec![Ok(b"bur"), Ok(b"ge")]); // then Ok(0)
        let result = read_exact(&mut reader, &mut [0; 6]).await;
        out += &format!(
            "read_exact of 6 bytes from \"bur\", \"ge\", then the end -> {}\n",
            show(result)
        );

        // A short write, an Interrupted, then a writer that takes nothing.
        let interrupted = io::Error::from(io::ErrorKind::Interrupted);
        let mut writer = Script(vec![Ok(b"bu"), Err(interrupted), Ok(b"")]);
        let result = write_all(&mut writer, b"burger").await;
        out += &format!(
            "write_all of \"burger\": the writer takes \"bu\", then says Interrupted, \
             then takes 0 bytes ->\n  {}\n",
            show(result)
        );
        out
    })
}
