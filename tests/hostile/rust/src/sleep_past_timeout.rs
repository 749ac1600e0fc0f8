//! Sleep far past any timeout.
pub fn run() {
    std::thread::sleep(std::time::Duration::from_secs(3600));
}
