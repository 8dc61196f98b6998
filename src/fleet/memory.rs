//! Giving memory back after a big (re)list. Decoding list pages leaves freed blocks scattered
//! between the records the catalog keeps; glibc keeps them mapped. A second after the last
//! large list (debounced: a fleet lists many kinds at once), a background thread asks the
//! allocator to return what it can (`malloc_trim`). Elsewhere than glibc this does nothing.
//!
//! Also the allocator's one setting ([`tune`]): glibc's fastbins off. Decoding a list page
//! frees many small blocks between the small records the catalog keeps; with fastbins, each
//! larger allocation then consolidates every freed small block first (`malloc_consolidate`,
//! `unlink_chunk`: a quarter of a 100k-pod sync's CPU in `perf`). Without them a freed block
//! is coalesced once, when freed (the per-thread cache still serves the smallest sizes).

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use std::sync::{Condvar, Mutex, Once};
    use std::time::{Duration, Instant};

    const DELAY: Duration = Duration::from_secs(1);

    static PENDING: Mutex<Option<Instant>> = Mutex::new(None);
    static WAKE: Condvar = Condvar::new();
    static START: Once = Once::new();

    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }

    /// glibc's `M_MXFAST` (malloc.h): the largest request served from fastbins.
    const M_MXFAST: std::ffi::c_int = 1;

    pub fn tune() {
        static TUNED: Once = Once::new();
        // SAFETY: mallopt takes no pointers; glibc consolidates the fastbins it had before
        // changing the limit, so setting it at any time is sound.
        TUNED.call_once(|| unsafe {
            mallopt(M_MXFAST, 0);
        });
    }

    pub fn release_soon() {
        *PENDING.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now() + DELAY);
        START.call_once(|| {
            let _ = std::thread::Builder::new()
                .name("kubeatlas-trim".into())
                .spawn(worker);
        });
        WAKE.notify_one();
    }

    fn worker() {
        loop {
            let mut g = PENDING.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                match *g {
                    None => g = WAKE.wait(g).unwrap_or_else(|e| e.into_inner()),
                    Some(t) => {
                        let now = Instant::now();
                        if t <= now {
                            *g = None;
                            break;
                        }
                        g = WAKE
                            .wait_timeout(g, t - now)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                }
            }
            drop(g);
            // SAFETY: malloc_trim only walks the allocator's own free lists.
            unsafe { malloc_trim(0) };
        }
    }
}

/// Set the allocator up for many small long-lived records among short-lived decode buffers:
/// glibc's fastbins off (see the module doc). Once per process; elsewhere nothing.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    imp::tune();
}

/// Ask for freed memory to be returned to the OS shortly (debounced).
pub fn release_soon() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    imp::release_soon();
}
