//! Sharing the machine's cores between the compressors of one run.
//!
//! A `syspack package` run compresses on many threads at once: the `.deb`'s single stream
//! (libzstd's or liblzma's own workers), the shared frames made by
//! [`SharedContent::prepare`](crate::frames::SharedContent::prepare)'s workers, and each
//! splicing writer's frames of headers and small files. Started all at once they outnumber the
//! cores, and at the high levels distros use that is not free: zstd -19 contexts hold tens of
//! megabytes of tables each, and time-sliced on two cores the four formats take more CPU time
//! than the same work done one part after the other (the measurement is in `bench/RESULTS.md`,
//! section 2.2). Running them strictly in order instead wastes cores whenever a part
//! cannot use them all (a small `.deb` is a single zstd or xz job on one thread).
//!
//! So every compressing part takes a [`Lease`] of as many cores as it keeps busy before it
//! compresses, and gives it back when it stops: at most [`Cores::total`] compressing threads
//! run at a time, and a part that needs one core runs beside another that needs one.
//! Leases are granted first come, first served (a waiting request for two cores is not passed
//! by later requests for one), and a place in the line can be taken before the thread that
//! will use it starts ([`Cores::queue`]), so the order is the caller's, not the scheduler's.
//!
//! Leases only order work in time: what is compressed, and so every output byte, is the same
//! whatever the number of cores.
//!
//! A thread that asks for a lease while it holds one (of any `Cores`; a run has one) gets an
//! empty lease at once: its work is already counted, and waiting in line behind others for its
//! own cores could wait forever. (So a lease stays on the thread that took it.)

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Condvar, Mutex, MutexGuard};

thread_local! {
    /// Whether this thread holds a lease.
    static HOLDING: Cell<bool> = const { Cell::new(false) };
}

/// The cores one run's compressors share (see the module docs).
pub struct Cores {
    total: usize,
    line: Mutex<Line>,
    turn: Condvar,
}

/// The state of the line: free cores, and which place is served next.
struct Line {
    free: usize,
    /// The place the next [`Cores::queue`] gets.
    next: u64,
    /// The place whose lease is granted next.
    serving: u64,
    /// Places given up before they were served ([`Place`] dropped unused), skipped.
    withdrawn: BTreeSet<u64>,
}

impl Line {
    /// Whether a place is waiting to be served (else nobody needs waking: a lease per small
    /// frame is common, and a wake-up is a system call).
    fn someone_waits(&self) -> bool {
        self.next > self.serving
    }

    /// Moves `serving` past the place just served or given up, and every withdrawn place after it.
    fn advance(&mut self) {
        self.serving += 1;
        while self.withdrawn.remove(&self.serving) {
            self.serving += 1;
        }
    }
}

impl Cores {
    /// `total` cores to share (at least one).
    pub fn new(total: usize) -> Self {
        let total = total.max(1);
        Cores {
            total,
            line: Mutex::new(Line {
                free: total,
                next: 0,
                serving: 0,
                withdrawn: BTreeSet::new(),
            }),
            turn: Condvar::new(),
        }
    }

    /// The cores this process may run on (`std::thread::available_parallelism`, which honours
    /// the CPU affinity mask and cgroup quotas); one if that is unknown.
    pub fn of_machine() -> Self {
        Cores::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// How many cores there are to share.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Takes a place in line now for a lease of `wanted` cores (at most [`Cores::total`], at
    /// least one), to be waited for with [`Place::wait`], possibly on another thread.
    pub fn queue(&self, wanted: usize) -> Place<'_> {
        let mut line = self.lock();
        let ticket = line.next;
        line.next += 1;
        Place {
            cores: self,
            ticket,
            wanted: wanted.clamp(1, self.total),
            served: false,
        }
    }

    /// Waits for `wanted` cores (at most [`Cores::total`], at least one): `queue(wanted).wait()`.
    pub fn take(&self, wanted: usize) -> Lease<'_> {
        self.queue(wanted).wait()
    }

    fn lock(&self) -> MutexGuard<'_, Line> {
        // The line is consistent whenever its lock is released (no code that can panic runs
        // while it is held), so a poisoned lock is still sound to use.
        self.line
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for Cores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = self.lock();
        f.debug_struct("Cores")
            .field("total", &self.total)
            .field("free", &line.free)
            .field("waiting", &(line.next - line.serving))
            .finish()
    }
}

/// A place in the line for a [`Lease`] (see [`Cores::queue`]); dropping it unused gives it up.
#[must_use = "a place in line is given up when dropped; call `wait` to get the lease"]
pub struct Place<'a> {
    cores: &'a Cores,
    ticket: u64,
    wanted: usize,
    served: bool,
}

impl<'a> Place<'a> {
    /// Waits until every earlier place has been served and the cores are free, and takes them;
    /// takes nothing, at once, when this thread already holds a lease (see the module docs).
    pub fn wait(mut self) -> Lease<'a> {
        let cores = self.cores;
        if HOLDING.with(Cell::get) {
            // Dropping the place gives it up.
            return Lease {
                cores,
                held: 0,
                on_this_thread: PhantomData,
            };
        }
        let mut line = cores.lock();
        while line.serving != self.ticket || line.free < self.wanted {
            line = cores
                .turn
                .wait(line)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        line.free -= self.wanted;
        line.advance();
        self.served = true;
        let wake = line.someone_waits();
        drop(line);
        // The next place may want fewer cores than are still free.
        if wake {
            cores.turn.notify_all();
        }
        HOLDING.with(|h| h.set(true));
        Lease {
            cores,
            held: self.wanted,
            on_this_thread: PhantomData,
        }
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if self.served {
            return;
        }
        let mut line = self.cores.lock();
        if line.serving == self.ticket {
            line.advance();
        } else {
            line.withdrawn.insert(self.ticket);
        }
        let wake = line.someone_waits();
        drop(line);
        if wake {
            self.cores.turn.notify_all();
        }
    }
}

/// Cores held by one compressing part, on the thread that took them; given back when dropped.
#[must_use = "the cores are given back when the lease is dropped"]
pub struct Lease<'a> {
    cores: &'a Cores,
    held: usize,
    /// Not `Send`: the thread-local mark of a lease held must stay true.
    on_this_thread: PhantomData<*const ()>,
}

impl Lease<'_> {
    /// How many cores this lease holds (none for a lease inside another, see the module docs).
    pub fn held(&self) -> usize {
        self.held
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if self.held == 0 {
            return;
        }
        HOLDING.with(|h| h.set(false));
        let mut line = self.cores.lock();
        line.free += self.held;
        let wake = line.someone_waits();
        drop(line);
        if wake {
            self.cores.turn.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn never_more_cores_in_use_than_there_are() {
        let cores = Cores::new(3);
        let in_use = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for i in 0..12 {
                let (cores, in_use, most) = (&cores, &in_use, &most);
                scope.spawn(move || {
                    for round in 0..20 {
                        let lease = cores.take(1 + (i + round) % 3);
                        let now = in_use.fetch_add(lease.held(), Ordering::SeqCst) + lease.held();
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        in_use.fetch_sub(lease.held(), Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= 3);
        let line = cores.lock();
        assert_eq!((line.free, line.serving, line.next), (3, 240, 240));
    }

    #[test]
    fn leases_that_fit_are_held_side_by_side() {
        let cores = Cores::new(3);
        let (tx_held, rx_held) = mpsc::channel();
        let (tx_release, rx_release) = mpsc::channel::<()>();
        let rx_release = Mutex::new(rx_release);
        std::thread::scope(|scope| {
            for wanted in [1, 2] {
                let (cores, tx_held, rx_release) = (&cores, tx_held.clone(), &rx_release);
                scope.spawn(move || {
                    let lease = cores.take(wanted);
                    tx_held.send(lease.held()).unwrap();
                    // Hold until told: both leases must be granted while the other is held.
                    rx_release.lock().unwrap().recv().unwrap();
                });
            }
            let timeout = Duration::from_secs(10);
            let mut got = [
                rx_held.recv_timeout(timeout).expect("the first lease"),
                rx_held
                    .recv_timeout(timeout)
                    .expect("a lease of 2 beside a lease of 1 out of 3 cores"),
            ];
            got.sort();
            assert_eq!(got, [1, 2]);
            assert_eq!(cores.lock().free, 0);
            tx_release.send(()).unwrap();
            tx_release.send(()).unwrap();
        });
    }

    #[test]
    fn requests_are_served_in_the_order_places_were_taken() {
        let cores = Cores::new(2);
        let first = cores.take(1);
        // A place for both cores is taken before one for a single core: the single core that
        // is free must not be handed to the later place.
        let big = cores.queue(2);
        let small = cores.queue(1);
        let (tx, rx) = mpsc::channel();
        std::thread::scope(|scope| {
            let tx_small = tx.clone();
            scope.spawn(move || {
                let _lease = small.wait();
                tx_small.send("small").unwrap();
            });
            scope.spawn(move || {
                let lease = big.wait();
                tx.send("big").unwrap();
                std::thread::sleep(Duration::from_millis(20));
                drop(lease);
            });
            std::thread::sleep(Duration::from_millis(50));
            assert!(
                rx.try_recv().is_err(),
                "nothing is served while one core is held"
            );
            drop(first);
            assert_eq!(rx.recv().unwrap(), "big");
            assert_eq!(rx.recv().unwrap(), "small");
        });
    }

    #[test]
    fn a_place_given_up_lets_the_next_one_through() {
        let cores = Cores::new(1);
        let held = cores.take(1);
        let given_up = cores.queue(1);
        let later = cores.queue(1);
        drop(given_up);
        drop(held);
        // Served at once: the withdrawn place is skipped, not waited for.
        let lease = later.wait();
        assert_eq!(lease.held(), 1);
        drop(lease);
        // And a place given up while it is the one being served.
        drop(cores.queue(1));
        assert_eq!(cores.take(5).held(), 1, "requests are capped at the total");
    }

    #[test]
    fn a_lease_inside_another_on_one_thread_takes_nothing_and_never_waits() {
        let cores = Cores::new(2);
        let outer = cores.take(2);
        // Someone else is in line for a core: a nested request must not queue behind it.
        let other = cores.queue(1);
        let inner = cores.take(1);
        assert_eq!((outer.held(), inner.held()), (2, 0));
        drop(inner);
        assert_eq!(
            cores.lock().free,
            0,
            "the outer lease still holds its cores"
        );
        drop(outer);
        assert_eq!(other.wait().held(), 1);
        // Once the outer lease is given back, leases take cores again.
        assert_eq!(cores.take(2).held(), 2);
    }
}
