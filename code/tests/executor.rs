//! The executor: FIFO order, join handles, cross-thread wakers, and the
//! deadlock check that turns a silent hang into an explanation.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use code::executor::yield_now;
use code::reactor::Direction;
use code::testing::within;

const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn tasks_run_in_the_order_they_were_woken() {
    let order = within(LIMIT, "tasks did not finish", || {
        code::block_on(async {
            let order = Rc::new(RefCell::new(Vec::new()));
            let handles: Vec<_> = (1..=3)
                .map(|id| {
                    let order = Rc::clone(&order);
                    code::spawn(async move {
                        order.borrow_mut().push(id);
                        yield_now().await;
                        order.borrow_mut().push(id);
                    })
                })
                .collect();
            for handle in handles {
                handle.await;
            }
            Rc::try_unwrap(order).unwrap().into_inner()
        })
    });
    assert_eq!(
        order,
        [1, 2, 3, 1, 2, 3],
        "the run queue is not first in, first out"
    );
}

#[test]
fn a_join_handle_returns_the_tasks_output() {
    let sum = within(LIMIT, "a JoinHandle was never woken", || {
        code::block_on(async {
            let a = code::spawn(async { 20 });
            let b = code::spawn(async {
                code::time::sleep(Duration::from_millis(10)).await;
                22
            });
            a.await + b.await
        })
    });
    assert_eq!(sum, 42);
}

#[test]
fn unfinished_tasks_are_dropped_when_block_on_returns() {
    struct SetOnDrop(Rc<RefCell<bool>>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            *self.0.borrow_mut() = true;
        }
    }
    within(LIMIT, "block_on did not return", || {
        let dropped = Rc::new(RefCell::new(false));
        let guard = SetOnDrop(Rc::clone(&dropped));
        code::block_on(async move {
            code::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            yield_now().await; // let the task start
        });
        assert!(*dropped.borrow(), "a task left running was not dropped");
    });
}

#[test]
#[should_panic(expected = "no waker was kept anywhere")]
fn pending_without_a_stored_waker_is_reported() {
    within(LIMIT, "block_on hung instead of panicking", || {
        code::block_on(std::future::poll_fn(|_| Poll::<()>::Pending))
    });
}

#[test]
#[should_panic(expected = "the main future and 1 task returned Poll::Pending")]
fn a_task_pending_without_a_stored_waker_is_reported() {
    within(LIMIT, "block_on hung instead of panicking", || {
        code::block_on(async {
            let _stuck = code::spawn(std::future::poll_fn(|_| Poll::<()>::Pending));
            yield_now().await; // the task runs and gets stuck
            std::future::poll_fn(|_| Poll::<()>::Pending).await
        })
    });
}

#[test]
fn no_false_alarm_while_another_thread_holds_the_waker() {
    let waited = within(LIMIT, "a wake from another thread never arrived", || {
        code::block_on(async {
            let start = Instant::now();
            let mut sent = false;
            std::future::poll_fn(|cx| {
                if sent {
                    return Poll::Ready(());
                }
                sent = true;
                let waker = cx.waker().clone();
                thread::spawn(move || {
                    thread::sleep(Duration::from_millis(200));
                    waker.wake();
                });
                Poll::Pending
            })
            .await;
            start.elapsed()
        })
    });
    assert!(waited >= Duration::from_millis(200));
}

#[test]
#[should_panic(expected = "block_on was called inside block_on")]
fn block_on_does_not_nest() {
    within(LIMIT, "block_on hung instead of panicking", || {
        code::block_on(async { code::block_on(async {}) })
    });
}

#[test]
fn block_on_can_be_called_again_on_the_same_thread() {
    let results = within(LIMIT, "block_on", || {
        (0..3)
            .map(|i| code::block_on(async move { code::spawn(async move { i * 2 }).await }))
            .collect::<Vec<_>>()
    });
    assert_eq!(results, [0, 2, 4]);
}

#[test]
fn sleep_waits_and_timeout_cancels() {
    within(LIMIT, "timers never fired", || {
        code::block_on(async {
            let start = Instant::now();
            code::time::sleep(Duration::from_millis(50)).await;
            assert!(
                start.elapsed() >= Duration::from_millis(50),
                "sleep woke early"
            );

            let slow = code::time::timeout(Duration::from_millis(20), std::future::pending::<()>());
            assert_eq!(slow.await, Err(code::time::Elapsed));
            let quick = code::time::timeout(Duration::from_secs(5), async { 7 });
            assert_eq!(quick.await, Ok(7));
        })
    });
}

#[test]
fn the_trace_shows_the_readiness_pattern() {
    let ((), lines) = within(LIMIT, "the traced read never finished", || {
        code::trace::capture(|| {
            code::block_on(async {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
                let (mut peer, _) = listener.accept().unwrap();
                let stream = code::net::AsyncTcpStream::from_std(client).unwrap();
                let token = stream.token();
                let reader = code::spawn(async move {
                    let mut buf = [0; 2];
                    assert_eq!(stream.read(&mut buf).await.unwrap(), 2);
                });
                // Send only once the reader has parked (its waker is in the
                // read slot), so that the trace shows it waiting.
                while !code::reactor().has_waker(token, Direction::Read) {
                    yield_now().await;
                }
                std::io::Write::write_all(&mut peer, b"hi").unwrap();
                reader.await;
            })
        })
    });
    let expect_in_order = [
        "polling task 1",
        "read -> WouldBlock",
        "stored Read waker",
        "task 1 returned Pending",
        "waiting for events",
        "readable",
        "waking reader",
        "polling task 1",
        "read -> Ok(2)",
        "task 1 finished",
    ];
    let mut at = 0;
    for step in expect_in_order {
        match lines[at..].iter().position(|l| l.contains(step)) {
            Some(i) => at += i + 1,
            None => panic!(
                "trace step {step:?} missing (in order) from:\n{}",
                lines.join("\n")
            ),
        }
    }
}
