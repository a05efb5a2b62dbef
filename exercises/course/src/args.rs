//! The command line, parsed by hand: six commands and a few flags do not
//! need a dependency.

use crate::course::Error;

pub const USAGE: &str = "\
usage: cargo run -p course -- <command>

commands:
  status                 every exercise: passed, failing or not started, and what to do next
  hint N                 the next hint for exercise N (one more each time)
  hint N --reset         start exercise N's hints over
  watch [N]              run exercise N's tests again each time you save its files, and show
                         the first failure (default: the first exercise with a todo!() left)
  trace N [TEST]         run exercise N's tests (or those whose name contains TEST) with the
                         runtime's trace on, and write a page that steps through your run
      --out FILE         write the page to FILE (default: target/course/trace-exercise-N….html)
      --package NAME     (instructors) trace another package's run, e.g. solution-N
  verify                 (instructors) run every exercise's tests and print a grade table
      --json             the grades as JSON
      --dir PATH         grade the course checkout at PATH (default: the current one)
      --time-limit SECS  time allowed per exercise, build included (default: 300)
  handout DIR            (instructors) write a copy for students into the new or empty DIR:
                         book, code and exercises, no solutions
  help                   this text";

/// Default for `verify --time-limit`: building the runtime from scratch on
/// a slow machine plus a test run fits well inside it.
pub const DEFAULT_TIME_LIMIT_SECS: u64 = 300;

#[derive(Debug, PartialEq)]
pub enum Command {
    Help,
    Status,
    Hint {
        exercise: u32,
        reset: bool,
    },
    Verify {
        json: bool,
        dir: Option<String>,
        time_limit: u64,
    },
    Handout {
        dir: String,
    },
    Watch {
        exercise: Option<u32>,
    },
    Trace {
        exercise: u32,
        test: Option<String>,
        out: Option<String>,
        package: Option<String>,
    },
}

pub fn parse(args: &[String]) -> Result<Command, Error> {
    let mut words = args.iter().map(String::as_str);
    let command = match words.next() {
        None | Some("help" | "--help" | "-h") => Command::Help,
        Some("status") => Command::Status,
        Some("hint") => {
            let mut exercise = None;
            let mut reset = false;
            for word in words.by_ref() {
                match word {
                    "--reset" => reset = true,
                    _ if exercise.is_none() && !word.starts_with('-') => {
                        exercise = Some(exercise_number(word)?)
                    }
                    _ => return Err(unexpected("hint", word)),
                }
            }
            let exercise = exercise.ok_or_else(|| {
                Error::new("`hint` needs an exercise number, e.g. `hint 1`".to_string())
            })?;
            Command::Hint { exercise, reset }
        }
        Some("verify") => {
            let mut json = false;
            let mut dir = None;
            let mut time_limit = DEFAULT_TIME_LIMIT_SECS;
            while let Some(word) = words.next() {
                match word {
                    "--json" => json = true,
                    "--dir" => dir = Some(value(&mut words, "--dir")?.to_string()),
                    "--time-limit" => {
                        let text = value(&mut words, "--time-limit")?;
                        time_limit = text.parse().ok().filter(|&secs| secs > 0).ok_or_else(|| {
                            Error::new(format!(
                                "--time-limit takes a whole number of seconds above 0, not `{text}`"
                            ))
                        })?;
                    }
                    _ => return Err(unexpected("verify", word)),
                }
            }
            Command::Verify {
                json,
                dir,
                time_limit,
            }
        }
        Some("handout") => {
            let dir = match words.next() {
                Some(dir) if !dir.starts_with('-') => dir.to_string(),
                _ => {
                    return Err(Error::new(
                        "`handout` needs a folder to write to, e.g. `handout ../lesson-11`"
                            .to_string(),
                    ));
                }
            };
            if let Some(word) = words.next() {
                return Err(unexpected("handout", word));
            }
            Command::Handout { dir }
        }
        Some("watch") => {
            let exercise = words.next().map(exercise_number).transpose()?;
            if let Some(word) = words.next() {
                return Err(unexpected("watch", word));
            }
            Command::Watch { exercise }
        }
        Some("trace") => {
            let mut exercise = None;
            let mut test = None;
            let mut out = None;
            let mut package = None;
            while let Some(word) = words.next() {
                match word {
                    "--out" => out = Some(value(&mut words, "--out")?.to_string()),
                    "--package" => package = Some(value(&mut words, "--package")?.to_string()),
                    _ if word.starts_with('-') => return Err(unexpected("trace", word)),
                    _ if exercise.is_none() => exercise = Some(exercise_number(word)?),
                    _ if test.is_none() => test = Some(word.to_string()),
                    _ => return Err(unexpected("trace", word)),
                }
            }
            let exercise = exercise.ok_or_else(|| {
                Error::new(
                    "`trace` needs an exercise number, e.g. `trace 1` or `trace 1 TEST`"
                        .to_string(),
                )
            })?;
            Command::Trace {
                exercise,
                test,
                out,
                package,
            }
        }
        Some(other) => {
            return Err(Error::new(format!("unknown command `{other}`\n\n{USAGE}")));
        }
    };
    Ok(command)
}

/// Accepts `1`, `exercise-1` and `exercise1`: learners type all three.
pub fn exercise_number(word: &str) -> Result<u32, Error> {
    let digits = word
        .strip_prefix("exercise-")
        .or_else(|| word.strip_prefix("exercise"))
        .unwrap_or(word);
    digits.parse().map_err(|_| {
        Error::new(format!(
            "`{word}` is not an exercise number: use a number such as `1` or a name such as `exercise-1`"
        ))
    })
}

fn value<'a>(words: &mut impl Iterator<Item = &'a str>, flag: &str) -> Result<&'a str, Error> {
    words
        .next()
        .ok_or_else(|| Error::new(format!("{flag} needs a value")))
}

fn unexpected(command: &str, word: &str) -> Error {
    Error::new(format!(
        "`{command}` does not take `{word}` (see `cargo run -p course -- help`)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(line: &str) -> Result<Command, Error> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&args)
    }

    #[test]
    fn commands_and_flags() {
        assert_eq!(parse_words("").unwrap(), Command::Help);
        assert_eq!(parse_words("status").unwrap(), Command::Status);
        assert_eq!(
            parse_words("hint 2").unwrap(),
            Command::Hint {
                exercise: 2,
                reset: false
            }
        );
        assert_eq!(
            parse_words("hint exercise-3 --reset").unwrap(),
            Command::Hint {
                exercise: 3,
                reset: true
            }
        );
        assert_eq!(
            parse_words("verify --json --dir ../learner --time-limit 60").unwrap(),
            Command::Verify {
                json: true,
                dir: Some("../learner".into()),
                time_limit: 60
            }
        );
        assert_eq!(
            parse_words("verify").unwrap(),
            Command::Verify {
                json: false,
                dir: None,
                time_limit: DEFAULT_TIME_LIMIT_SECS
            }
        );
        assert_eq!(
            parse_words("handout out").unwrap(),
            Command::Handout { dir: "out".into() }
        );
        assert_eq!(
            parse_words("watch").unwrap(),
            Command::Watch { exercise: None }
        );
        assert_eq!(
            parse_words("watch exercise-2").unwrap(),
            Command::Watch { exercise: Some(2) }
        );
        assert_eq!(
            parse_words("trace 1").unwrap(),
            Command::Trace {
                exercise: 1,
                test: None,
                out: None,
                package: None
            }
        );
        assert_eq!(
            parse_words("trace 1 a_reader_sleeps --out page.html --package solution-1").unwrap(),
            Command::Trace {
                exercise: 1,
                test: Some("a_reader_sleeps".into()),
                out: Some("page.html".into()),
                package: Some("solution-1".into())
            }
        );
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        let message = |line| parse_words(line).unwrap_err().to_string();
        assert!(message("frobnicate").contains("unknown command `frobnicate`"));
        assert!(message("hint").contains("needs an exercise number"));
        assert!(message("hint two").contains("`two` is not an exercise number"));
        assert!(message("hint 1 2").contains("does not take `2`"));
        assert!(message("verify --time-limit").contains("--time-limit needs a value"));
        assert!(message("verify --time-limit 0").contains("above 0"));
        assert!(message("verify --yaml").contains("does not take `--yaml`"));
        assert!(message("handout").contains("needs a folder"));
        assert!(message("handout a b").contains("does not take `b`"));
        assert!(message("watch 1 2").contains("does not take `2`"));
        assert!(message("trace").contains("needs an exercise number"));
        assert!(message("trace 1 a b").contains("does not take `b`"));
        assert!(message("trace 1 --out").contains("--out needs a value"));
    }

    #[test]
    fn exercise_names_and_numbers() {
        assert_eq!(exercise_number("4").unwrap(), 4);
        assert_eq!(exercise_number("exercise-4").unwrap(), 4);
        assert_eq!(exercise_number("exercise4").unwrap(), 4);
        assert!(exercise_number("solution-4").is_err());
    }
}
