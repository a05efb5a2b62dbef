//! The course tool. Learners run `status`, `hint N`, `watch [N]` and
//! `trace N [TEST]`; instructors run `verify` (grade a checkout) and
//! `handout DIR` (a copy without solutions).
//!
//! ```text
//! cargo run -p course -- status
//! cargo run -p course -- hint 1          # the next hint for exercise-1
//! cargo run -p course -- hint 1 --reset  # start exercise-1's hints over
//! cargo run -p course -- watch 1         # exercise-1's tests again on each save
//! cargo run -p course -- trace 1 [TEST]  # a page that steps through your run
//! cargo run -p course -- verify [--json] [--dir PATH] [--time-limit SECS]
//! cargo run -p course -- handout DIR
//! ```
//!
//! Exit codes: 0 done (for `verify`: every exercise passed), 1 `verify`
//! graded and something did not pass, 2 the tool could not do what was asked.

mod args;
mod cargo;
mod course;
mod handout;
mod hints;
mod report;
mod trace;
mod watch;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use args::Command;
use course::{Course, Error};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, Error> {
    let command = args::parse(args)?;
    if let Command::Help = command {
        println!("{}", args::USAGE);
        return Ok(ExitCode::SUCCESS);
    }
    let cwd = std::env::current_dir().map_err(|e| Error::new(format!("no current folder: {e}")))?;
    match command {
        Command::Help => unreachable!("handled above"),
        Command::Status => {
            let course = Course::find(&cwd)?;
            let cargo = cargo::Cargo::find()?;
            let results = course
                .exercises
                .iter()
                .map(|exercise| {
                    let todos = exercise.todos()?;
                    // A stub's tests all fail: not worth the wait. Once
                    // one todo!() is gone, the tests say how far it is.
                    let untouched = course.untouched(exercise, &todos);
                    if untouched {
                        return Ok(report::Row::not_started(exercise, todos));
                    }
                    eprintln!("testing {} ...", exercise.name);
                    let outcome = cargo.test(&course.root, &exercise.name, STATUS_LIMIT);
                    Ok(report::Row::graded(exercise, outcome, todos, untouched, 0))
                })
                .collect::<Result<Vec<_>, Error>>()?;
            print!("{}", report::status(&results));
            Ok(ExitCode::SUCCESS)
        }
        Command::Hint { exercise, reset } => {
            let course = Course::find(&cwd)?;
            let exercise = course.exercise(exercise)?;
            let text = hints::next(&course, exercise, reset)?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            json,
            dir,
            time_limit,
        } => {
            let start = dir.as_deref().map(Path::new).unwrap_or(&cwd);
            let course = Course::find(&cwd.join(start))?;
            let cargo = cargo::Cargo::find()?;
            let limit = Duration::from_secs(time_limit);
            let rows: Vec<report::Row> = course
                .exercises
                .iter()
                .map(|exercise| {
                    if !json {
                        eprintln!("testing {} ...", exercise.name);
                    }
                    let run = cargo.test(&course.root, &exercise.name, limit);
                    let todos = exercise.todos()?;
                    let untouched = course.untouched(exercise, &todos);
                    Ok(report::Row::graded(
                        exercise,
                        run,
                        todos,
                        untouched,
                        exercise.tests_in_src()?,
                    ))
                })
                .collect::<Result<_, Error>>()?;
            if json {
                println!("{}", report::json(&course.root, &rows));
            } else {
                print!("{}", report::grades(&rows));
            }
            let all_passed = rows.iter().all(|row| row.outcome.passed());
            Ok(if all_passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Watch { exercise } => {
            let course = Course::find(&cwd)?;
            let cargo = cargo::Cargo::find()?;
            let exercise = match exercise {
                Some(n) => course.exercise(n)?,
                None => watch::default_exercise(&course)?,
            };
            watch::run(&course, &cargo, exercise)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Trace {
            exercise,
            test,
            out,
            package,
        } => {
            let course = Course::find(&cwd)?;
            let cargo = cargo::Cargo::find()?;
            let exercise = course.exercise(exercise)?;
            let request = trace::Request {
                exercise: exercise.number,
                test: test.as_deref(),
                package: package.unwrap_or_else(|| exercise.name.clone()),
                out: out.map(|out| cwd.join(out)),
            };
            print!("{}", trace::write(&course, &cargo, &request)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Handout { dir } => {
            let course = Course::find(&cwd)?;
            let cargo = cargo::Cargo::find()?;
            let target = cwd.join(dir);
            let summary = handout::write(&course, &cargo, &target)?;
            print!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `status` is for a learner waiting at the terminal: a hung exercise is
/// reported after this long instead of holding up the list.
const STATUS_LIMIT: Duration = Duration::from_secs(300);
