//! The end of a failure message that the exercises' tests write
//! (`exercises/behaviour.rs`) and the `trace` command agree: a message
//! suggests `cargo run -p course -- trace …` only when the check's trace has
//! lines, because `trace` has nothing to show for a trace without any
//! ("nothing to show: … have no line").

#[path = "../../behaviour.rs"]
mod behaviour;

const TRACE_COMMAND: &str = "cargo run -p course -- trace";

#[test]
fn an_empty_trace_says_what_it_covered_and_suggests_no_trace_command() {
    let end = behaviour::tail_of(&[]);
    assert!(
        !end.contains(TRACE_COMMAND),
        "a check whose trace has no line suggests a trace command, which would show \
         nothing: {end}"
    );
    assert!(
        end.contains("not the set-up before it"),
        "the message does not say what the trace covered: {end}"
    );
    assert!(
        !end.contains("Your run, as the runtime traced it: no line"),
        "{end}"
    );
}

#[test]
fn a_trace_with_lines_is_shown_with_the_trace_command() {
    let lines = vec![
        "executor: poll task 0".to_string(),
        "net: token 0 read -> WouldBlock".to_string(),
    ];
    let end = behaviour::tail_of(&lines);
    assert!(end.contains("net: token 0 read -> WouldBlock"), "{end}");
    assert!(
        end.contains(&format!("To step through the whole run: {TRACE_COMMAND}")),
        "{end}"
    );
}
