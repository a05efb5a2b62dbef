//! The executor at its edges: a `Drop` that panics while `block_on` tears
//! down, a task that panics (in its poll, or in the `Drop` of its finished
//! future), a `JoinHandle` dropped while it waits, and a loop over finished
//! `JoinHandle`s, which must spend the cooperative budget.

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use code::executor::yield_now;
use code::reactor::BUDGET;
use code::testing::within;

const LIMIT: Duration = Duration::from_secs(10);

/// The message of a panic payload.
fn message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Sets its flag when dropped.
struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// Panics when dropped.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("a Drop that panics");
    }
}

/// Two tasks are left unfinished; one of them panics as `block_on` drops
/// it. The other is dropped all the same, the panic comes out of
/// `block_on`, and the thread's next `block_on` works. (The panic used to
/// skip the reset, and every later `block_on` on the thread said "block_on
/// was called inside block_on".)
#[test]
fn a_drop_that_panics_during_teardown_leaves_the_executor_usable() {
    let (first, dropped, second) = within(LIMIT, "block_on after a panicking Drop hung", || {
        let dropped = Rc::new(Cell::new(false));
        let flag = DropFlag(Rc::clone(&dropped));
        let first = catch_unwind(AssertUnwindSafe(|| {
            code::block_on(async move {
                code::spawn(async move {
                    let _panics = PanicOnDrop;
                    std::future::pending::<()>().await
                });
                code::spawn(async move {
                    let _flag = flag;
                    std::future::pending::<()>().await
                });
                yield_now().await; // both tasks start, and never finish
            })
        }))
        .map_err(message);
        let second = catch_unwind(|| code::block_on(async { 7 })).map_err(message);
        (first, dropped.get(), second)
    });
    assert_eq!(
        first,
        Err("a Drop that panics".to_string()),
        "the panic of a task's Drop should come out of block_on once every task is dropped"
    );
    assert!(
        dropped,
        "a task was left undropped after another one's Drop panicked"
    );
    assert_eq!(
        second,
        Ok(7),
        "block_on after a teardown whose Drop panicked"
    );
}

/// A task that panics ends alone: the other tasks and the main future run
/// on, and the task that awaits its `JoinHandle` gets the panic.
#[test]
fn a_panicking_task_ends_only_itself_and_its_join_handle_reports_it() {
    let (other, panic) = within(LIMIT, "the tasks after a panicking one hung", || {
        code::block_on(async {
            let failing = code::spawn(async {
                yield_now().await;
                panic!("a task that panics");
            });
            let other = code::spawn(async {
                for _ in 0..3 {
                    yield_now().await;
                }
                5
            });
            (other.await, panic_of(failing).await)
        })
    });
    assert_eq!(other, 5);
    assert_eq!(
        panic.as_deref(),
        Some("a task that panics"),
        "awaiting the JoinHandle of a task that panicked should re-raise its panic"
    );
}

/// A panic in the future given to `block_on` still comes out of `block_on`,
/// after its tasks are dropped.
#[test]
fn a_panic_in_the_main_future_comes_out_of_block_on_after_the_tasks_are_dropped() {
    let (outcome, dropped) = within(LIMIT, "block_on with a panicking main future hung", || {
        let dropped = Rc::new(Cell::new(false));
        let flag = DropFlag(Rc::clone(&dropped));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            code::block_on(async move {
                code::spawn(async move {
                    let _flag = flag;
                    std::future::pending::<()>().await
                });
                yield_now().await;
                panic!("the main future panics");
            })
        }))
        .map_err(message);
        (outcome, dropped.get())
    });
    assert_eq!(outcome, Err("the main future panics".to_string()));
    assert!(dropped, "the unfinished task was not dropped");
}

/// A `JoinHandle` dropped while it waits (here by `timeout`) lets go of the
/// waker it kept, so the deadlock check sees that nothing can wake the main
/// future any more. (The handle's state kept the waker, and `block_on` hung.)
#[test]
fn a_dropped_join_handle_lets_go_of_its_waiter() {
    let outcome = within(
        LIMIT,
        "a deadlock after a JoinHandle was dropped hung instead of panicking",
        || {
            catch_unwind(|| {
                code::block_on(async {
                    let stuck = code::spawn(poll_fn(|_| Poll::<()>::Pending));
                    let timed_out = code::time::timeout(Duration::from_millis(5), stuck).await;
                    assert!(timed_out.is_err(), "the stuck task finished?");
                    std::future::pending::<()>().await
                })
            })
            .map_err(message)
        },
    );
    let message = outcome.expect_err("block_on returned from a future that never finishes");
    assert!(message.contains("deadlock"), "unexpected panic: {message}");
}

/// A loop that awaits finished tasks' handles never gets `Pending` from
/// them; like an I/O operation, each handle that returns its output spends
/// the budget, so another ready task runs after at most one budget of them.
#[test]
fn a_loop_over_finished_join_handles_yields_after_one_budget() {
    const TASKS: usize = 3 * BUDGET as usize;
    let awaited_before_other = within(LIMIT, "the loop over join handles hung", || {
        code::block_on(async {
            let handles: Vec<_> = (0..TASKS).map(|_| code::spawn(async {})).collect();
            yield_now().await; // every task runs, and finishes
            let awaited = Rc::new(Cell::new(0));
            let other = code::spawn({
                let awaited = Rc::clone(&awaited);
                async move { awaited.get() }
            });
            for handle in handles {
                handle.await;
                awaited.set(awaited.get() + 1);
            }
            other.await
        })
    });
    assert_eq!(
        awaited_before_other, BUDGET as usize,
        "a ready task waited for {awaited_before_other} finished JoinHandles to be awaited: \
         it should run after at most one budget ({BUDGET}) of them"
    );
}

/// The panic message of the task behind `handle`, caught as awaiting the
/// handle re-raises it; `None` if the task returned.
async fn panic_of<T>(mut handle: code::JoinHandle<T>) -> Option<String> {
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| Pin::new(&mut handle).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(_)) => Poll::Ready(None),
            Err(panic) => Poll::Ready(Some(message(panic))),
        },
    )
    .await
}

/// A future that is ready at once, and whose `Drop` panics.
struct ReadyThenPanicOnDrop;

impl Future for ReadyThenPanicOnDrop {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
        Poll::Ready(3)
    }
}

impl Drop for ReadyThenPanicOnDrop {
    fn drop(&mut self) {
        panic!("a finished future's Drop that panics");
    }
}

/// A task's future is dropped when it finishes. A `Drop` that panics then
/// is a panic of that task, like one in its poll: it ends that task only,
/// and its `JoinHandle` reports it. (It came out of `block_on`, and took
/// the other tasks down.)
#[test]
fn a_panic_in_the_drop_of_a_finished_task_ends_only_that_task() {
    let (other, panic) = within(LIMIT, "the tasks after a panicking Drop hung", || {
        code::block_on(async {
            let failing = code::spawn(ReadyThenPanicOnDrop);
            let other = code::spawn(async {
                for _ in 0..3 {
                    yield_now().await;
                }
                5
            });
            (other.await, panic_of(failing).await)
        })
    });
    assert_eq!(other, 5, "the other task should run to its end");
    assert_eq!(
        panic.as_deref(),
        Some("a finished future's Drop that panics"),
        "awaiting the JoinHandle should re-raise the panic of the finished future's Drop"
    );
}

/// A waker whose code panics when it is woken.
struct PanicOnWake;

impl Wake for PanicOnWake {
    fn wake(self: Arc<Self>) {
        panic!("a waker that panics");
    }
}

/// A finished task's `JoinHandle` with the budget used up wakes the task
/// that polls it, and returns `Pending`. It must do that before it touches
/// its state: waking runs the waker's code (see the reactor's module docs),
/// and here that code panics. The handle must still hold the output after.
/// (It woke in the middle of taking the output out, under a borrow of its
/// state, and the panic lost the output: the next poll said "JoinHandle
/// polled after completion".)
#[test]
fn a_finished_join_handle_wakes_before_it_touches_its_output() {
    let (woke, output) = within(LIMIT, "awaiting a finished JoinHandle hung", || {
        code::block_on(async {
            let mut handle = code::spawn(async { 7 });
            yield_now().await; // the task runs and finishes
            for _ in 0..BUDGET {
                code::time::sleep(Duration::ZERO).await; // due at once: spends a unit
            }
            let waker = Waker::from(Arc::new(PanicOnWake));
            let poll = catch_unwind(AssertUnwindSafe(|| {
                Pin::new(&mut handle).poll(&mut Context::from_waker(&waker))
            }));
            let woke = poll.map_err(message);
            yield_now().await; // a fresh budget
            (woke.err(), handle.await)
        })
    });
    assert_eq!(
        woke.as_deref(),
        Some("a waker that panics"),
        "with the budget used up, a finished JoinHandle should wake the task and yield"
    );
    assert_eq!(output, 7, "the JoinHandle lost its output");
}

/// A `JoinHandle` tells whether its task panicked, and with what message,
/// before it is awaited (exercise 3's tests report a server that panicked
/// with this).
#[test]
fn a_join_handle_gives_the_message_of_its_tasks_panic() {
    let (running, panicked, returned, not_a_string) =
        within(LIMIT, "the tasks of the panic messages hung", || {
            code::block_on(async {
                let failing = code::spawn(async {
                    yield_now().await;
                    panic!("a task that panics: {}", 42);
                });
                let fine = code::spawn(async { 1 });
                let odd = code::spawn(async { std::panic::panic_any(5_u8) });
                let running = failing.panic_message();
                for _ in 0..3 {
                    yield_now().await; // every task finishes
                }
                assert!(failing.is_finished() && fine.is_finished() && odd.is_finished());
                (
                    running,
                    failing.panic_message(),
                    fine.panic_message(),
                    odd.panic_message(),
                )
            })
        });
    assert_eq!(
        running, None,
        "a task that has not run yet has not panicked"
    );
    assert_eq!(panicked.as_deref(), Some("a task that panics: 42"));
    assert_eq!(returned, None, "a task that returned did not panic");
    assert!(
        not_a_string.is_some(),
        "a panic whose payload is not a string is a panic all the same"
    );
}

/// A detached task (its handle dropped) returns an output whose `Drop`
/// panics. Nobody will read that output: it is dropped and the panic is
/// swallowed, as tokio does, and the other tasks and the main future run on.
/// (It was dropped with the task, outside any catch, and the panic came out
/// of `block_on`.)
#[test]
fn the_output_of_a_detached_task_that_panics_when_dropped_ends_nothing() {
    let (ran, main) = within(LIMIT, "the tasks after a detached output hung", || {
        code::block_on(async {
            drop(code::spawn(async { PanicOnDrop }));
            let ran = Rc::new(Cell::new(false));
            let flag = Rc::clone(&ran);
            let other = code::spawn(async move {
                for _ in 0..3 {
                    yield_now().await;
                }
                flag.set(true);
            });
            other.await;
            (ran.get(), "main finished")
        })
    });
    assert!(ran, "the other task should run to its end");
    assert_eq!(main, "main finished");
}

/// The same output, the handle dropped after the task finished: dropping
/// the handle drops the output, and the panic is swallowed there too.
#[test]
fn dropping_the_handle_of_a_finished_task_whose_output_panics_when_dropped_ends_nothing() {
    let answer = within(LIMIT, "block_on hung", || {
        code::block_on(async {
            let handle = code::spawn(async { PanicOnDrop });
            while !handle.is_finished() {
                yield_now().await;
            }
            drop(handle);
            42
        })
    });
    assert_eq!(answer, 42);
}
