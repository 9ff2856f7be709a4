//! Where one photo's work uses a second core: independent small jobs shared between the
//! caller's thread and one helper thread — the face detector's runs over tiles, the checks, the
//! two halves of a large photo's working copy, and handing the decoded photo back while the
//! corrected one is finished.
//!
//! A photo checked alone (the CLI's single photo, a server with one thread, a library caller)
//! leaves the machine's other cores idle; a batch does not: each of rayon's workers checks a
//! photo of its own, so there the work stays on the worker's thread, as it does on the threads
//! of a server that checks several photos at once ([`on_this_thread`]). Not rayon tasks: a
//! worker waiting for one could pick up another photo of the batch while holding this one.
//!
//! Only jobs that allocate little are shared on any photo: two jobs' buffers alive at once raise
//! the peak memory, which a 12 MP photo holds under 60 MB with little to spare. Larger jobs
//! share the cores only where the photo leaves room for both ([`room_for_two`]): the person
//! mask and the face search, the checks and the rendering of the corrected photo, the two eyes'
//! iris runs. On a larger photo the search for faces cut by the frame, which holds one
//! mirrored strip of the working copy at a time, runs beside the person mask; the two side
//! edges' searches stay one after the other. glibc's malloc
//! would also give the helper an arena of its own, whose freed memory stays resident for that
//! thread's reuse (about 4 MB after the detector's runs on a few tiles); the binary keeps one
//! arena for all threads (`main.rs`).

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest photo (in pixels) whose larger jobs share the cores. Both jobs' buffers then
/// live at once on top of the decoded photo: on a 12 MP photo the mask and the face search kept
/// the median peak at 58 MB, but runs where both stages' largest buffers met reached 61 MB,
/// past the 60 MB a photo that size is held to, for 3–8 % less wall time; the checks beside
/// the rendering raised every run's peak to 61 MB for 4 %; the two eyes at once added 0.6–1.4
/// MB for 2–3 ms. At 8 MP the decoded photo is 12 MB smaller.
const ROOM_FOR_TWO_MAX_PIXELS: u64 = 8_000_000;

/// Whether a photo of `image`'s size leaves room for two of its larger jobs at once
/// ([`ROOM_FOR_TWO_MAX_PIXELS`]).
pub(crate) fn room_for_two<I: image::GenericImageView>(image: &I) -> bool {
    u64::from(image.width()) * u64::from(image.height()) <= ROOM_FOR_TWO_MAX_PIXELS
}

thread_local! {
    /// Set on both threads while they share a job, so a job inside it stays on its thread, and
    /// within [`on_this_thread`].
    static SHARING: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread may start a helper: it is not a worker of a pool that checks photos side
/// by side, the pool has more than one thread (`-j 1` keeps everything on one), and it is not
/// already sharing a job.
fn spare_core() -> bool {
    rayon::current_thread_index().is_none()
        && rayon::current_num_threads() > 1
        && !SHARING.with(Cell::get)
}

/// `f` of every item, in order. Where a core is spare, the items are taken one at a time by
/// this thread and a helper, whichever is free; each item's result is the one `f` gives alone.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() < 2 || !spare_core() {
        return items.iter().map(f).collect();
    }
    // Both threads take the next item left until none is; without a helper (the system refused
    // a thread) this one takes them all.
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let (theirs, mut all) = join(work, work);
    all.extend(theirs);
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

/// `(a(), b())`, `a` on a helper thread while `b` runs here where a core is spare.
pub(crate) fn join<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    if !spare_core() {
        return (a(), b());
    }
    // `a` waits here until the helper takes it, or this thread does if no helper started.
    let slot = std::sync::Mutex::new(Some(a));
    let take_and_run = || {
        let a = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        let _sharing = Sharing::begin();
        a.map(|a| a())
    };
    std::thread::scope(|s| {
        let helper = std::thread::Builder::new()
            .name("idphoto-helper".into())
            .spawn_scoped(s, take_and_run)
            .ok();
        let b = {
            let _sharing = Sharing::begin();
            b()
        };
        let a = helper
            .and_then(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .or_else(take_and_run);
        let Some(a) = a else {
            unreachable!("`a` runs on the helper or, without one, here")
        };
        (a, b)
    })
}

/// `f()`, everything it shares kept on this thread: for a caller that checks photos side by
/// side on threads of its own (the server), as a batch's pool workers do.
pub(crate) fn on_this_thread<R>(f: impl FnOnce() -> R) -> R {
    let _alone = Sharing::begin();
    f()
}

/// Marks the thread as sharing a job (or keeping to itself) until dropped, also on a panic;
/// the mark it had before comes back.
struct Sharing(bool);

impl Sharing {
    fn begin() -> Sharing {
        Sharing(SHARING.with(|s| s.replace(true)))
    }
}

impl Drop for Sharing {
    fn drop(&mut self) {
        SHARING.with(|s| s.set(self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Mutex;

    /// Results come back in the items' order, each computed once, whichever thread took it.
    #[test]
    fn every_item_once_in_order() {
        let items: Vec<u32> = (0..37).collect();
        let seen = Mutex::new(Vec::new());
        let got = map(&items, |&i| {
            seen.lock().unwrap().push(i);
            i * i
        });
        assert_eq!(got, items.iter().map(|i| i * i).collect::<Vec<_>>());
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, items);
    }

    /// A job inside a shared job stays on its thread: no third thread while two share one.
    #[test]
    fn a_job_inside_a_shared_job_stays_on_its_thread() {
        let threads = Mutex::new(HashSet::new());
        let outer: Vec<u32> = (0..4).collect();
        let sums = map(&outer, |&o| {
            let inner: Vec<u32> = (0..8).collect();
            map(&inner, |&i| {
                threads.lock().unwrap().insert(std::thread::current().id());
                o * 10 + i
            })
            .iter()
            .sum::<u32>()
        });
        assert_eq!(sums, vec![28, 108, 188, 268]);
        assert!(threads.into_inner().unwrap().len() <= 2);
    }

    /// Both halves of a join run, `a` on a helper where a core is spare, and a panic in `a`
    /// reaches the caller as it would without the helper.
    #[test]
    fn a_join_gives_both_results_and_passes_a_panic_on() {
        let here = std::thread::current().id();
        let (a, b) = join(|| (std::thread::current().id(), 1), || 2);
        assert_eq!((a.1, b), (1, 2));
        if rayon::current_num_threads() > 1 {
            assert_ne!(a.0, here, "a spare core runs `a` on the helper");
        }
        let caught = std::panic::catch_unwind(|| join(|| panic!("in a"), || 3));
        assert!(caught.is_err());
    }

    /// Within `on_this_thread` nothing goes to a helper.
    #[test]
    fn on_this_thread_keeps_every_item_here() {
        let me = std::thread::current().id();
        let items: Vec<u32> = (0..16).collect();
        let here = on_this_thread(|| map(&items, |_| std::thread::current().id() == me));
        assert!(here.iter().all(|&h| h));
        let (a, _) = on_this_thread(|| join(|| std::thread::current().id(), || ()));
        assert_eq!(a, me);
    }

    /// A worker of a pool already has its core: the items stay on its thread.
    #[test]
    fn a_pool_worker_keeps_to_its_thread() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let here = pool.install(|| {
            let me = std::thread::current().id();
            let items: Vec<u32> = (0..16).collect();
            map(&items, |_| std::thread::current().id() == me)
        });
        assert!(here.iter().all(|&h| h));
    }
}
