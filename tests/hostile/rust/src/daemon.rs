//! Daemon: start `sleep ARG` in a new session and exit at once, hoping it outlives us.
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

pub fn run(seconds: &str) {
    let mut cmd = Command::new("sleep");
    cmd.arg(seconds).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    unsafe {
        cmd.pre_exec(|| {
            crate::sys::setsid();
            Ok(())
        });
    }
    cmd.spawn().expect("spawn");
    println!("DAEMON started");
}
