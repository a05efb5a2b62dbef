//! The executor: it polls tasks from a FIFO run queue and, when nothing is
//! ready to run, lets the reactor wait for events.
//!
//! A task is a future the executor owns. Its waker is an `Arc<TaskWaker>`
//! (through [`std::task::Wake`]); waking it puts the task's id at the back of
//! the run queue. Wakers are `Send + Sync`, so any thread may wake a task; the
//! futures themselves never leave the runtime thread, so they need not be
//! `Send`.
//!
//! ```text
//!   block_on(main) ─► run every task in the queue (FIFO, one round)
//!        ▲                      │
//!        │        queue empty? ─┴─► reactor.wait()  (events → wakers → queue)
//!        └──────────────────────────────┘
//! ```

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::atomic::{self, AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use crate::reactor::{WAKE_TOKEN, reactor};
use crate::trace;

/// Identifies a task. Ids count up and are never reused, so a late wake for
/// a finished task finds nothing and is ignored.
type TaskId = u64;

/// The id the future given to `block_on` is polled under.
const MAIN: TaskId = 0;

/// The part of the executor that wakers reach, possibly from other threads.
struct Shared {
    queue: Mutex<RunQueue>,
    /// Interrupts `Reactor::wait` when a task is woken from another thread.
    mio_waker: mio::Waker,
    /// The runtime thread. A wake on it never needs `mio_waker`: if this
    /// thread is running the wake, it is not blocked in `wait`.
    owner: ThreadId,
}

struct RunQueue {
    /// Woken tasks in the order they were woken.
    ready: VecDeque<TaskId>,
    /// True while the runtime thread is (about to be) blocked in
    /// `Reactor::wait`. Set and read under the lock, so a waker either sees
    /// it (and interrupts the wait) or pushed before the executor looked at
    /// the queue (and the executor does not block). Either way no wake is
    /// lost; and `mio_waker` is an eventfd, which stays readable until the
    /// next wait even if the executor has not started waiting yet.
    parked: bool,
}

// ANCHOR: task_waker
/// The waker of one task.
struct TaskWaker {
    id: TaskId,
    /// True while the id is in the run queue, so a task woken ten times is
    /// queued (and polled) once. Cleared just before the task is polled: a
    /// wake during its own poll queues it again.
    scheduled: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        let interrupt = {
            let mut queue = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.ready.push_back(self.id);
            std::mem::replace(&mut queue.parked, false)
        };
        if interrupt && thread::current().id() != self.shared.owner {
            // Nothing useful can be done if this fails (the poller is gone).
            let _ = self.shared.mio_waker.wake();
        }
    }
}
// ANCHOR_END: task_waker

/// A spawned task: its future, and the waker that schedules it.
struct Task {
    future: RefCell<Pin<Box<dyn Future<Output = ()>>>>,
    waker: Arc<TaskWaker>,
}

/// The executor of one thread.
struct Executor {
    shared: Arc<Shared>,
    /// Every live task. Polling takes an `Rc` out first, so a task may spawn
    /// others while it is being polled.
    tasks: RefCell<HashMap<TaskId, Rc<Task>>>,
    next_id: Cell<TaskId>,
    /// `block_on` is running on this thread (it must not nest).
    running: Cell<bool>,
}

thread_local! {
    static EXECUTOR: Executor = Executor::new();
}

impl Executor {
    fn new() -> Executor {
        let mio_waker = mio::Waker::new(reactor().registry(), WAKE_TOKEN)
            .expect("could not create the executor's mio::Waker");
        Executor {
            shared: Arc::new(Shared {
                queue: Mutex::new(RunQueue {
                    ready: VecDeque::new(),
                    parked: false,
                }),
                mio_waker,
                owner: thread::current().id(),
            }),
            tasks: RefCell::new(HashMap::new()),
            next_id: Cell::new(MAIN + 1),
            running: Cell::new(false),
        }
    }

    fn new_waker(&self, id: TaskId) -> Arc<TaskWaker> {
        Arc::new(TaskWaker {
            id,
            scheduled: AtomicBool::new(false),
            shared: Arc::clone(&self.shared),
        })
    }

    fn spawn(&self, future: Pin<Box<dyn Future<Output = ()>>>) -> TaskId {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let waker = self.new_waker(id);
        self.tasks.borrow_mut().insert(
            id,
            Rc::new(Task {
                future: RefCell::new(future),
                waker: Arc::clone(&waker),
            }),
        );
        trace::emit(|| format!("executor: spawned task {id}"));
        // A new task is ready to run: its first poll starts it.
        waker.wake();
        id
    }

    /// Polls task `id` once, if it still exists.
    fn poll_task(&self, id: TaskId) {
        let Some(task) = self.tasks.borrow().get(&id).cloned() else {
            return; // finished already; this was a late wake
        };
        task.waker.scheduled.store(false, Ordering::Release);
        let waker = Waker::from(Arc::clone(&task.waker));
        trace::emit(|| format!("executor: polling task {id}"));
        let poll = task
            .future
            .borrow_mut()
            .as_mut()
            .poll(&mut Context::from_waker(&waker));
        if poll.is_ready() {
            trace::emit(|| format!("executor: task {id} finished"));
            self.tasks.borrow_mut().remove(&id);
        } else {
            trace::emit(|| format!("executor: task {id} returned Pending"));
        }
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        assert!(
            !self.running.replace(true),
            "block_on was called inside block_on (from a task?). Inside the runtime, \
             use .await, or spawn the future and .await its JoinHandle."
        );
        // Whatever way block_on ends (a value, or a panic in a task), the
        // tasks it leaves unfinished are dropped and the executor is reset.
        let _reset = ResetOnExit(self);

        let mut future = pin!(future);
        let main = self.new_waker(MAIN);
        main.wake_by_ref();
        let reactor = reactor();
        // ANCHOR: run_loop
        loop {
            // One round: everything that was woken so far, in wake order.
            // Tasks woken during the round wait for the next one, after the
            // reactor has had a look at I/O, so no task can starve the others.
            let round = std::mem::take(&mut self.lock_queue().ready);
            for id in round {
                if id != MAIN {
                    self.poll_task(id);
                    continue;
                }
                main.scheduled.store(false, Ordering::Release);
                let waker = Waker::from(Arc::clone(&main));
                trace::emit(|| "executor: polling the main future".to_string());
                if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(&waker))
                {
                    trace::emit(|| "executor: the main future finished".to_string());
                    return output;
                }
                trace::emit(|| "executor: the main future returned Pending".to_string());
            }

            if !self.lock_queue().ready.is_empty() {
                // More work is queued: only collect events that are already there.
                reactor
                    .wait(Some(Duration::ZERO))
                    .expect("reactor wait failed");
                continue;
            }
            self.check_for_deadlock(&main);
            {
                let mut queue = self.lock_queue();
                if !queue.ready.is_empty() {
                    continue; // woken from another thread just now
                }
                queue.parked = true;
            }
            trace::emit(|| "executor: nothing to run, waiting for events".to_string());
            reactor.wait(None).expect("reactor wait failed");
            self.lock_queue().parked = false;
        }
        // ANCHOR_END: run_loop
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, RunQueue> {
        self.shared.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Panics if every task is waiting and no waker exists anywhere but in
    /// the executor itself: then nothing, on any thread, can ever wake them.
    ///
    /// Each task's `Arc<TaskWaker>` has one owner in the executor; every
    /// other strong reference is a waker somebody kept (a reactor slot, a
    /// timer, a `JoinHandle`, another thread). Counts are read before the
    /// queue: a thread that wakes and then drops its waker has pushed to the
    /// queue before its count went down, so this check cannot miss it.
    ///
    /// It sees that a waker is kept, not who keeps it: a task awaiting the
    /// `JoinHandle` of a stuck task keeps its waker in that handle, so such a
    /// hang is not reported here (tests bound their time for that reason).
    fn check_for_deadlock(&self, main: &Arc<TaskWaker>) {
        let tasks = self.tasks.borrow();
        let held =
            Arc::strong_count(main) > 1 || tasks.values().any(|t| Arc::strong_count(&t.waker) > 1);
        if held {
            return;
        }
        atomic::fence(Ordering::Acquire);
        if !self.lock_queue().ready.is_empty() {
            return;
        }
        panic!(
            "block_on: deadlock: the main future{} returned Poll::Pending, but no waker was \
             kept anywhere, so nothing can ever wake {}. Likely cause: a poll function got \
             WouldBlock and returned Pending without storing cx.waker() in the reactor \
             (reactor().set_waker(token, direction, cx.waker())).",
            match tasks.len() {
                0 => String::new(),
                1 => " and 1 task".to_string(),
                n => format!(" and {n} tasks"),
            },
            if tasks.is_empty() { "it" } else { "them" },
        );
    }
}

/// Drops unfinished tasks and clears the queue when `block_on` ends.
struct ResetOnExit<'a>(&'a Executor);

impl Drop for ResetOnExit<'_> {
    fn drop(&mut self) {
        // Take the tasks out first: dropping them may drop sockets, which
        // deregister themselves, and must not find `tasks` borrowed.
        let tasks = std::mem::take(&mut *self.0.tasks.borrow_mut());
        drop(tasks);
        self.0.lock_queue().ready.clear();
        self.0.running.set(false);
    }
}

/// Runs `future` to completion on this thread, together with every task it
/// spawns, and returns its output.
///
/// When `future` finishes, tasks that are still running are dropped. Panics
/// in a task propagate out of `block_on`. Panics, with an explanation, if
/// every task is waiting but nothing can ever wake them (see the chapter
/// "When the simple version breaks").
pub fn block_on<F: Future>(future: F) -> F::Output {
    EXECUTOR.with(|executor| executor.block_on(future))
}

// ANCHOR: spawn
/// Starts `future` as a new task on this thread's executor and returns a
/// handle to await its output. The task runs when `block_on` runs.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let state = Rc::new(RefCell::new(JoinState {
        output: None,
        waiter: None,
    }));
    let task_state = Rc::clone(&state);
    EXECUTOR.with(|executor| {
        executor.spawn(Box::pin(async move {
            let output = future.await;
            let mut state = task_state.borrow_mut();
            state.output = Some(output);
            if let Some(waiter) = state.waiter.take() {
                waiter.wake();
            }
        }))
    });
    JoinHandle { state }
}
// ANCHOR_END: spawn

struct JoinState<T> {
    output: Option<T>,
    waiter: Option<Waker>,
}

/// Awaits the output of a spawned task. Dropping it lets the task run on,
/// detached.
pub struct JoinHandle<T> {
    state: Rc<RefCell<JoinState<T>>>,
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> JoinHandle<T> {
    /// True once the task has produced its output (and it was not taken yet).
    pub fn is_finished(&self) -> bool {
        self.state.borrow().output.is_some()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // Only the handle holds the state: the task was dropped unfinished.
        let orphaned = Rc::strong_count(&self.state) == 1;
        let mut state = self.state.borrow_mut();
        if let Some(output) = state.output.take() {
            return Poll::Ready(output);
        }
        assert!(
            !orphaned,
            "JoinHandle: the task was dropped before it finished \
             (the block_on that ran it returned first)"
        );
        state.waiter = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Gives the other tasks a turn: returns `Pending` once, after waking itself,
/// so this task goes to the back of the run queue.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await;
}
