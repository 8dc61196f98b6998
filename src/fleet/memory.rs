//! Giving memory back after a big (re)list. Decoding list pages leaves freed blocks scattered
//! between the records the catalog keeps; glibc keeps them mapped. A second after the last
//! large list (debounced: a fleet lists many kinds at once), a background thread asks the
//! allocator to return what it can (`malloc_trim`). Elsewhere than glibc this does nothing.
//!
//! Also the allocator's two settings ([`tune`]):
//! - glibc's fastbins off. Decoding a list page frees many small blocks between the small
//!   records the catalog keeps; with fastbins, each larger allocation then consolidates every
//!   freed small block first (`malloc_consolidate`, `unlink_chunk`: a quarter of a 100k-pod
//!   sync's CPU in `perf`). Without them a freed block is coalesced once, when freed (the
//!   per-thread cache still serves the smallest sizes).
//! - a fixed mmap threshold (128 KiB, glibc's initial one). glibc raises the threshold to the
//!   size of every mmapped block freed, so after the first list page (a few MiB of JSON) every
//!   later page body is carved from the heap, and the records projected from it are placed in
//!   the holes it leaves: once the pages are freed, each heap page keeps a few live records
//!   and can be neither reused whole nor trimmed. Fixed, a block of 128 KiB or more that free
//!   heap space cannot hold is a mapping of its own, returned whole when freed. Against a real
//!   kube-apiserver with 10,000 pods this took the resident memory over the baseline from
//!   1,934 to 861 B per pod (glibc's statistics after the sync: 32.0 MB taken from the system
//!   for 8.2 MB in use, then 8.5 MB).

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
    /// glibc's `M_MMAP_THRESHOLD` (malloc.h): requests this large or larger are mmapped.
    /// Setting it turns glibc's sliding threshold off.
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    pub const MMAP_THRESHOLD: usize = 128 * 1024;

    pub fn tune() {
        static TUNED: Once = Once::new();
        // SAFETY: mallopt takes no pointers; glibc consolidates the fastbins it had before
        // changing the limit, and a new mmap threshold applies to later requests only, so
        // setting them at any time is sound.
        TUNED.call_once(|| unsafe {
            mallopt(M_MXFAST, 0);
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD as std::ffi::c_int);
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
/// glibc's fastbins off and a fixed mmap threshold (see the module doc). Once per process;
/// elsewhere nothing.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    imp::tune();
}

/// Ask for freed memory to be returned to the OS shortly (debounced).
pub fn release_soon() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    imp::release_soon();
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// Set for the child process the test below starts.
    const CHILD: &str = "KUBEATLAS_MEMORY_TEST_CHILD";

    /// Whether glibc mapped the block at `p` on its own: malloc.c's chunk layout keeps the
    /// size word just before the block, its bit 1 (`IS_MMAPPED`) set for a mapped chunk.
    fn mapped(p: *const u8) -> bool {
        // SAFETY: `p` is a live block from glibc's malloc (a `Vec<u8>`'s buffer, alignment 1,
        // so the system allocator calls `malloc`); the word before it is its chunk's size.
        unsafe { (p as *const usize).sub(1).read() & 2 != 0 }
    }

    /// In a fresh process: glibc serves even a large request from free heap space it has
    /// before mapping one, and the threads of this test binary have freed plenty.
    #[test]
    fn a_list_page_sized_block_is_mapped_on_its_own_even_after_one_was_freed() {
        let exe = std::env::current_exe().unwrap_or_else(|e| panic!("this test binary: {e}"));
        let out = std::process::Command::new(exe)
            .args(["--exact", "fleet::memory::tests::pages_in_a_fresh_process"])
            .args(["--ignored", "--test-threads=1", "--nocapture"])
            .env(CHILD, "1")
            .output()
            .unwrap_or_else(|e| panic!("running this test binary again: {e}"));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        assert!(text.contains("1 passed"), "{text}");
    }

    #[test]
    #[ignore = "run in a fresh process by the test above"]
    fn pages_in_a_fresh_process() {
        if std::env::var_os(CHILD).is_none() {
            return;
        }
        super::tune();
        // Untuned, glibc maps the first such block and, once it is freed, raises its
        // threshold above it: the next ones are carved from the heap.
        for round in 0..3 {
            let page: Vec<u8> = Vec::with_capacity(2 << 20);
            assert!(
                mapped(page.as_ptr()),
                "round {round}: a 2 MiB block on the heap"
            );
            drop(page);
        }
        let small: Vec<u8> = Vec::with_capacity(super::imp::MMAP_THRESHOLD / 2);
        assert!(!mapped(small.as_ptr()), "a 64 KiB block mapped on its own");
    }
}
