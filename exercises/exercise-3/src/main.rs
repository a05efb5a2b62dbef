//! Try your servers by hand:
//!
//! ```text
//! cargo run -p exercise-3 -- echo          # your `serve`, on 127.0.0.1:7878
//! cargo run -p exercise-3 -- chat 9000     # your `chat`, on another port (0: any free one)
//! nc 127.0.0.1 7878                        # in other terminals, as many as you like
//! ```
//!
//! It is given, not part of the exercise. Until `serve` or `chat` is done,
//! it stops with that function's `todo!()` message.

use std::net::{Ipv4Addr, SocketAddr};

use code::net::AsyncTcpListener;

const USAGE: &str = "usage: cargo run -p exercise-3 -- echo|chat [PORT]";

/// The port used when none is given.
const DEFAULT_PORT: u16 = 7878;

#[derive(Debug, PartialEq)]
enum Server {
    Echo,
    Chat,
}

pub fn main() {
    let (server, port) = match parse(std::env::args().skip(1)) {
        Ok(choice) => choice,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    code::block_on(async {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = match AsyncTcpListener::bind(addr) {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("error: cannot listen on {addr}: {e}");
                std::process::exit(1);
            }
        };
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        println!(
            "{server:?} server listening on {addr}; connect with `nc {} {}`",
            addr.ip(),
            addr.port()
        );
        match server {
            Server::Echo => exercise_3::serve(listener).await,
            Server::Chat => exercise_3::chat(listener).await,
        }
    })
}

/// Which server, and on which port, from the command line.
fn parse(mut args: impl Iterator<Item = String>) -> Result<(Server, u16), String> {
    let server = match args.next().as_deref() {
        Some("echo") => Server::Echo,
        Some("chat") => Server::Chat,
        Some(other) => return Err(format!("`{other}` is not a server: say echo or chat")),
        None => return Err("which server? say echo or chat".into()),
    };
    let port = match args.next() {
        None => DEFAULT_PORT,
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("`{arg}` is not a port number (0 to 65535)"))?,
    };
    if let Some(extra) = args.next() {
        return Err(format!("unexpected argument `{extra}`"));
    }
    Ok((server, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &[&str]) -> Result<(Server, u16), String> {
        parse(words.iter().map(|w| w.to_string()))
    }

    #[test]
    fn a_server_and_an_optional_port() {
        assert_eq!(parse_words(&["echo"]), Ok((Server::Echo, DEFAULT_PORT)));
        assert_eq!(parse_words(&["chat", "9000"]), Ok((Server::Chat, 9000)));
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        for (words, says) in [
            (&[][..], "which server"),
            (&["talk"][..], "`talk` is not a server"),
            (&["echo", "http"][..], "`http` is not a port"),
            (&["echo", "70000"][..], "`70000` is not a port"),
            (&["chat", "1", "2"][..], "unexpected argument `2`"),
        ] {
            let error = parse_words(words).unwrap_err();
            assert!(error.contains(says), "{words:?}: {error}");
        }
    }
}
