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
//!
//! It keeps the reactor's rule (see [`crate::reactor`](mod@crate::reactor)): no code of others
//! (a waker's `wake` or `drop`, a future's `drop`) runs while one of its
//! `RefCell`s is borrowed, with one exception that is safe: a task's own
//! poll runs while its future's cell is borrowed, which nothing else
//! borrows. A task is polled and dropped outside the borrow of the task
//! table, and a `JoinHandle`'s waiter is woken after the handle's state is
//! let go.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::atomic::{self, AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use crate::events;
use crate::reactor::{Reactor, WAKE_TOKEN, reactor};

/// Identifies a task: 0 is the future given to `block_on`, spawned tasks
/// count up from 1. A spawned task's id is never reused, so a late wake for
/// a finished task finds nothing and is ignored. 0 is every `block_on`'s
/// main future: a waker an earlier one left in a socket's slot costs the
/// next one a spurious poll, nothing more.
pub type TaskId = u64;

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
    /// Set by [`StopHandle::stop`] (a test ran out of time): `block_on` gives
    /// up at its next turn.
    stop: AtomicBool,
}

struct RunQueue {
    /// Woken tasks in the order they were woken.
    ready: VecDeque<TaskId>,
    /// True while the runtime thread is (about to be) blocked in
    /// `Reactor::wait`. Set and read under the lock, so a waker either sees
    /// it (and interrupts the wait with `mio_waker`) or pushed before the
    /// executor looked at the queue (and the executor does not block).
    /// Either way no wake is lost, even if the interrupt comes before the
    /// thread is inside the wait: `mio_waker.wake()` leaves an event pending
    /// in the poller until a wait collects it, and that wait returns at once.
    /// (Nothing is read or reset by the wait: on Linux mio writes to an
    /// eventfd and epoll keeps its event in the ready list; on macOS it
    /// triggers an `EVFILT_USER` event; on Windows it posts a completion
    /// packet to the port.)
    parked: bool,
}

// ANCHOR: task_waker
/// The waker of one task.
struct TaskWaker {
    id: TaskId,
    /// True while the id is in the run queue, so a task woken ten times is
    /// queued (and polled) once. Cleared just before the task is polled: a
    /// wake during its own poll queues it again.
    ///
    /// Both sides use a swap with `AcqRel`, never a plain store. A wake that
    /// finds the flag still set does not queue the task: it counts on the
    /// poll about to happen to see what the waking thread wrote before it
    /// woke (data in a channel, a flag). The swap that clears the flag
    /// acquires what that wake's swap released, so the poll does see it; a
    /// `store(false, Release)` acquires nothing, and on a weakly ordered CPU
    /// (ARM, such as Apple silicon) the poll could read the old state and
    /// return `Pending` with the task in no queue: a lost wakeup. (On x86 a
    /// plain store would happen to work: the `Arc` clone of the task's waker
    /// between clearing the flag and polling is a locked instruction, a full
    /// fence there. Nothing in the language promises that.)
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
        events::emit!(queued(self.id, thread::current().id() != self.shared.owner));
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
    /// This thread's reactor: it waits for events, and it is told which task
    /// is being polled (for its trace and for the cooperative budget).
    reactor: Rc<Reactor>,
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
        let reactor = reactor();
        let mio_waker = mio::Waker::new(reactor.registry(), WAKE_TOKEN)
            .expect("could not create the executor's mio::Waker");
        Executor {
            reactor,
            shared: Arc::new(Shared {
                queue: Mutex::new(RunQueue {
                    ready: VecDeque::new(),
                    parked: false,
                }),
                mio_waker,
                owner: thread::current().id(),
                stop: AtomicBool::new(false),
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
        events::emit!(spawned(id));
        // A new task is ready to run: its first poll starts it.
        waker.wake();
        id
    }

    /// Polls task `id` once, if it still exists.
    fn poll_task(&self, id: TaskId) {
        // An `Rc` out of the table: the poll runs with no borrow of it held.
        let Some(task) = self.tasks.borrow().get(&id).cloned() else {
            events::emit!(late_wake(id));
            return; // finished already; this was a late wake
        };
        // A swap, not a store: see `TaskWaker::scheduled`.
        task.waker.scheduled.swap(false, Ordering::AcqRel);
        let waker = Waker::from(Arc::clone(&task.waker));
        events::emit!(polled(id));
        self.reactor.set_current_task(Some(id));
        let poll = task
            .future
            .borrow_mut()
            .as_mut()
            .poll(&mut Context::from_waker(&waker));
        self.reactor.set_current_task(None);
        events::emit!(returned(id, poll.is_ready()));
        if poll.is_ready() {
            // `task` still holds the future, which is dropped when `task` is,
            // at the end of this function, with no borrow held.
            self.tasks.borrow_mut().remove(&id);
        }
    }

    /// Gives up if a [`StopHandle`] asked it to.
    fn check_stop(&self) {
        if self.shared.stop.load(Ordering::Acquire) {
            // Unwinding, not a panic: nothing went wrong on this thread. The
            // test that ran it has already failed; unwinding drops the tasks
            // (and closes their sockets) and ends the thread.
            std::panic::resume_unwind(Box::new(
                "block_on stopped: code::testing::within gave up on it",
            ));
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
        let reactor = &self.reactor;
        // ANCHOR: run_loop
        loop {
            self.check_stop(); // a test out of time (`testing::within`) ends here
            // One round: everything that was woken so far, in wake order.
            // Tasks woken during the round wait for the next one, after the
            // reactor has had a look at I/O: tasks that keep waking each other
            // (`yield_now` wakes its own task and returns `Pending` once)
            // still let I/O in. And a task whose sockets are always ready,
            // which would never return `Pending` by itself, yields after 128
            // ready operations (its budget: `Reactor::poll_budget`).
            // The run queue is behind a mutex (`lock_queue`): other threads
            // may wake tasks too.
            let round = std::mem::take(&mut self.lock_queue().ready);
            for id in round {
                if id != MAIN {
                    self.poll_task(id); // polls a spawned task once, as below
                    continue;
                }
                main.scheduled.swap(false, Ordering::AcqRel); // see `TaskWaker::scheduled`
                let waker = Waker::from(Arc::clone(&main));
                events::emit!(polled(MAIN));
                // Tells the reactor whose poll this is: for the trace, and a
                // fresh budget.
                reactor.set_current_task(Some(MAIN));
                let poll = future.as_mut().poll(&mut Context::from_waker(&waker));
                reactor.set_current_task(None);
                events::emit!(returned(MAIN, poll.is_ready()));
                if let Poll::Ready(output) = poll {
                    return output;
                }
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
            events::emit!(idle());
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

/// Drops unfinished tasks and resets the executor when `block_on` ends,
/// whatever way it ends: with a value, a panic, or a `Drop` that panics here.
struct ResetOnExit<'a>(&'a Executor);

impl Drop for ResetOnExit<'_> {
    fn drop(&mut self) {
        let executor = self.0;
        executor.reactor.set_current_task(None); // if a poll panicked
        // The tasks are taken out of the table, then dropped with no borrow
        // held: dropping a future runs its code, which may drop sockets (they
        // deregister) or spawn tasks. A task spawned meanwhile is dropped on
        // the next turn, so none is left behind in the table, queued by
        // nobody and never to run; its `JoinHandle` then says it was dropped.
        // Each task is dropped on its own under `catch_unwind`: a `Drop` that
        // panics must not leave the other tasks undropped, nor this thread's
        // executor marked running (every later `block_on` would refuse).
        // (A future whose `Drop` spawns another like it, every time, keeps
        // this loop going for ever; a runtime cannot tell that from a chain
        // that ends.)
        let mut first_panic = None;
        loop {
            let tasks: Vec<_> = executor
                .tasks
                .borrow_mut()
                .drain()
                .map(|(_, t)| t)
                .collect();
            if tasks.is_empty() {
                break;
            }
            for task in tasks {
                if let Err(panic) = catch_unwind(AssertUnwindSafe(|| drop(task))) {
                    first_panic.get_or_insert(panic);
                }
            }
        }
        executor.lock_queue().ready.clear();
        executor.running.set(false);
        // Re-raised once the executor is reset; not if `block_on` is already
        // unwinding (from a panic in its future): that panic is the one to tell.
        if let Some(panic) = first_panic {
            if !thread::panicking() {
                resume_unwind(panic);
            }
        }
    }
}

/// Stops a thread's `block_on` from another thread: how
/// [`within`](crate::testing::within) ends a test that ran out of time.
pub(crate) struct StopHandle(Arc<Shared>);

/// A [`StopHandle`] for this thread's executor.
pub(crate) fn stop_handle() -> StopHandle {
    EXECUTOR.with(|executor| StopHandle(Arc::clone(&executor.shared)))
}

impl StopHandle {
    /// Makes `block_on` give up at its next turn (it unwinds, dropping its
    /// tasks), and interrupts its wait. A poll that never returns cannot be
    /// stopped this way.
    pub(crate) fn stop(&self) {
        self.0.stop.store(true, Ordering::Release);
        let _ = self.0.mio_waker.wake();
    }
}

/// Runs `future` to completion on this thread, together with every task it
/// spawns, and returns its output.
///
/// When `future` finishes, tasks that are still running are dropped (and so
/// are tasks spawned while they are dropped). A panic in a spawned task ends
/// that task only: whoever awaits its [`JoinHandle`] gets the panic. A panic
/// in `future` comes out of `block_on` once the tasks are dropped, and so
/// does the first panic of a task's `Drop` as they are. Panics, with an
/// explanation, if every task is waiting but nothing can ever wake them (see
/// the chapter "When the simple version breaks").
pub fn block_on<F: Future>(future: F) -> F::Output {
    EXECUTOR.with(|executor| executor.block_on(future))
}

// ANCHOR: spawn
/// Starts `future` as a new task on this thread's executor and returns a
/// handle to await its output. The task runs when `block_on` runs.
///
/// # Panics
/// If called anywhere but inside `block_on` (from the future it runs or
/// from one of its tasks): the task would be queued on an executor that is
/// not running, and never run.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let state = Rc::new(RefCell::new(JoinState {
        output: Output::Running,
        waiter: None,
    }));
    let task = Spawned {
        future: Some(Box::pin(future)),
        state: Rc::clone(&state),
    };
    // This thread's executor (one per thread, like the reactor).
    let id = EXECUTOR.with(|executor| {
        assert!(
            executor.running.get(), // inside `block_on`
            "code::spawn must be called from the context of a runtime: inside \
             code::block_on, from its future or one of its tasks (outside, the task \
             would never run)"
        );
        executor.spawn(Box::pin(task))
    });
    JoinHandle { id, state }
}

/// What the executor polls for a spawned future: the future, and where its
/// output goes.
///
/// The future has a box of its own, so this wrapper is `Unpin` and reaches
/// it without `unsafe`, and it is stored once. (An `async move` block that
/// awaited it would keep room for it twice, where it was captured and where
/// it is awaited: a task would cost twice its future's size.)
struct Spawned<F: Future> {
    /// `None` once the future is done: it is dropped at once, under the
    /// same catch as its polls (see [`poll_catching`]).
    future: Option<Pin<Box<F>>>,
    /// Shared with the [`JoinHandle`]: the output, once there, and the
    /// waker of whoever awaits the handle.
    state: Rc<RefCell<JoinState<F::Output>>>,
}

impl<F: Future> Future for Spawned<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let task = self.get_mut();
        // A panic ends this task only: it is caught and kept for whoever
        // awaits the handle.
        let output = std::task::ready!(poll_catching(&mut task.future, cx));
        if Rc::strong_count(&task.state) == 1 {
            // Nobody holds the handle: nobody will take the output. It is
            // dropped here, and a panic in its `Drop` is swallowed, as in
            // tokio: it would otherwise come out of `block_on`.
            drop_catching(output);
            return Poll::Ready(());
        }
        let waiter = {
            let mut state = task.state.borrow_mut();
            state.output = output;
            state.waiter.take()
        };
        // Woken after the borrow: waking runs the waker's code, which may
        // look at this task's handle.
        if let Some(waiter) = waiter {
            waiter.wake();
        }
        Poll::Ready(())
    }
}
// ANCHOR_END: spawn

/// Polls a task's future, and drops it once it is done (`slot` is `None`
/// from then on). A panic in the poll, or in the future's `Drop`, becomes
/// the task's output: the finished future is dropped here, not by the
/// executor after it, so that a `Drop` that panics ends this task only (as
/// in tokio), and does not come out of `block_on` and end the other tasks.
/// If both panic, the poll's panic is the one kept.
fn poll_catching<F: Future>(
    slot: &mut Option<Pin<Box<F>>>,
    cx: &mut Context<'_>,
) -> Poll<Output<F::Output>> {
    let future = slot
        .as_mut()
        .expect("a task's future is polled after it finished");
    let output = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
        Ok(Poll::Pending) => return Poll::Pending,
        Ok(Poll::Ready(output)) => Output::Ready(output),
        Err(panic) => Output::Panicked(panic),
    };
    match (catch_unwind(AssertUnwindSafe(|| *slot = None)), output) {
        (Err(panic), Output::Ready(_)) => Poll::Ready(Output::Panicked(panic)),
        (_, output) => Poll::Ready(output),
    }
}

/// Drops `value`, swallowing a panic of its `Drop`: for outputs nobody
/// will read (the task's handle was dropped).
fn drop_catching<T>(value: T) {
    let _ = catch_unwind(AssertUnwindSafe(move || drop(value)));
}

struct JoinState<T> {
    output: Output<T>,
    waiter: Option<Waker>,
}

/// A task's output, as its `JoinHandle` sees it.
enum Output<T> {
    Running,
    Ready(T),
    /// The task panicked: awaiting the handle re-raises the panic.
    Panicked(Box<dyn Any + Send>),
    /// The handle has returned it: polling the handle again is a bug.
    Taken,
}

/// Awaits the output of a spawned task.
///
/// If the task panicked, awaiting its handle re-raises that panic in the
/// task that awaits (tokio's handle returns it instead, as `Err(JoinError)`).
///
/// Dropping it lets the task run on, detached; that is how a server starts
/// one task per connection, so it is not `#[must_use]` (as tokio's is not).
pub struct JoinHandle<T> {
    id: TaskId,
    state: Rc<RefCell<JoinState<T>>>,
}

impl<T> std::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> JoinHandle<T> {
    /// True once the task has returned its output or panicked (and the
    /// handle has not returned either yet).
    pub fn is_finished(&self) -> bool {
        matches!(
            self.state.borrow().output,
            Output::Ready(_) | Output::Panicked(_)
        )
    }

    /// The message of the task's panic, if it panicked (and the handle has
    /// not re-raised it yet); `None` while it runs and once it returned.
    /// For saying why a task ended before awaiting it: exercise 3's tests
    /// report a server that panicked with it.
    pub fn panic_message(&self) -> Option<String> {
        match &self.state.borrow().output {
            Output::Panicked(panic) => Some(
                panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic whose payload is not a string".to_string()),
            ),
            _ => None,
        }
    }

    /// The task's id, as the trace names it (`task 1`).
    pub fn id(&self) -> TaskId {
        self.id
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = T;

    /// # Panics
    /// With the task's own panic, if it panicked. If polled again after it
    /// returned the output, as `async fn` futures do; and if the task was
    /// dropped unfinished (its `block_on` returned).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // Like a ready socket, a finished task's handle never says `Pending`,
        // so a loop over such handles must spend the budget too. Checked
        // first, as tokio does, whether the task has finished or not: with
        // the budget used up it wakes this task, which runs the waker's
        // code, and that must not happen under the borrow of `state` below.
        let reactor = reactor();
        std::task::ready!(reactor.poll_budget_untraced(cx));
        // Only the handle holds the state: the task was dropped unfinished.
        let orphaned = Rc::strong_count(&self.state) == 1;
        let mut state = self.state.borrow_mut();
        match std::mem::replace(&mut state.output, Output::Taken) {
            Output::Ready(output) => {
                reactor.spend_budget(); // only a handle that returns spends
                return Poll::Ready(output);
            }
            Output::Panicked(panic) => {
                drop(state);
                resume_unwind(panic)
            }
            Output::Taken => {
                panic!("JoinHandle polled after completion: it already returned the task's output")
            }
            Output::Running => state.output = Output::Running,
        }
        assert!(
            !orphaned,
            "JoinHandle: the task was dropped before it finished \
             (the block_on that ran it returned first)"
        );
        if state
            .waiter
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            return Poll::Pending;
        }
        drop(state);
        // Cloned, and the old waiter dropped, with no borrow held.
        let waiter = cx.waker().clone();
        let old = self.state.borrow_mut().waiter.replace(waiter);
        drop(old);
        Poll::Pending
    }
}

impl<T> Drop for JoinHandle<T> {
    /// Lets go of the waker of whoever awaited the handle: kept for nobody,
    /// it would hide a deadlock from `block_on`'s check. A finished task's
    /// output goes too, and a panic of its `Drop` is swallowed (as in
    /// tokio): whoever drops a handle has said it does not want the output.
    fn drop(&mut self) {
        let (waiter, output) = {
            let mut state = self.state.borrow_mut();
            let output = std::mem::replace(&mut state.output, Output::Taken);
            (state.waiter.take(), output)
        };
        // With no borrow held. A task that is still running keeps its
        // `Running`; it sees no handle when it finishes (see `Spawned`).
        drop(waiter);
        drop_catching(output);
    }
}

/// The id of the task being polled now (0: the main future), or `None`
/// outside a poll of the executor.
pub fn current_task() -> Option<TaskId> {
    reactor().current_task()
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

// ANCHOR: unconstrained
/// Runs `future` without the cooperative budget: its I/O operations never
/// make it yield on their own, as tokio's `task::coop::unconstrained`. For
/// showing what the budget prevents: a task that reads an always-ready
/// socket in here keeps the other tasks waiting until it is done.
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained {
        future: Box::pin(future),
    }
}

/// The future returned by [`unconstrained`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Unconstrained<F> {
    future: Pin<Box<F>>,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let reactor = reactor();
        let budget = reactor.set_budget(None); // no limit for this poll...
        let poll = self.future.as_mut().poll(cx);
        reactor.set_budget(budget); // ...and what was left after it
        poll
    }
}
// ANCHOR_END: unconstrained
