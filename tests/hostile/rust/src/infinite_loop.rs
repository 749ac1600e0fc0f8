//! Infinite loop: burn CPU until the wall-clock timeout.
use std::sync::atomic::{AtomicU64, Ordering};

static SPINS: AtomicU64 = AtomicU64::new(0);

pub fn run() {
    loop {
        SPINS.fetch_add(1, Ordering::Relaxed);
    }
}
