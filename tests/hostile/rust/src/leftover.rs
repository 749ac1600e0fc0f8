//! Leftover: exit at once and leave two loopers behind, their stdio on /dev/null so no pipe waits for them: a
//! double-forked grandchild in its own session ignoring SIGTERM and SIGHUP, and a direct child ignoring SIGTERM.
use crate::sys;
use std::os::unix::io::AsRawFd;

fn looper(ignored: &[i32]) -> ! {
    let null = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null").expect("/dev/null");
    for &sig in ignored {
        unsafe { sys::signal(sig, sys::SIG_IGN) };
    }
    for fd in 0..3 {
        unsafe { sys::dup2(null.as_raw_fd(), fd) };
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

pub fn run() {
    unsafe {
        let child = sys::fork();
        if child == 0 {
            if sys::fork() == 0 {
                sys::setsid();
                looper(&[sys::SIGTERM, sys::SIGHUP]);
            }
            sys::_exit(0);
        }
        let mut status = 0;
        sys::waitpid(child, &mut status, 0);
        if sys::fork() == 0 {
            looper(&[sys::SIGTERM]);
        }
    }
    println!("LEFTOVER started");
}
