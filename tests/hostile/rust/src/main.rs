//! One binary, one module per hostile case: `hostile CASE ARG`.
//! Only std: libc calls are declared by hand (std links libc), so it builds offline on any cargo.

mod daemon;
mod delete_workspace;
mod docker_socket;
mod fill_disk;
mod flood;
mod fork_bomb;
mod infinite_loop;
mod kill_parent;
mod leftover;
mod memory_bomb;
mod network;
mod read_host;
mod read_secrets;
mod setuid;
mod signal_harness;
mod sleep_past_timeout;
mod write_host;
mod write_outside;

pub mod sys {
    extern "C" {
        pub fn kill(pid: i32, sig: i32) -> i32;
        pub fn getppid() -> i32;
        pub fn setsid() -> i32;
        pub fn fork() -> i32;
        pub fn _exit(code: i32) -> !;
        pub fn waitpid(pid: i32, status: *mut i32, options: i32) -> i32;
        pub fn signal(sig: i32, handler: usize) -> usize;
        pub fn dup2(old: i32, new: i32) -> i32;
        pub fn ptrace(request: i32, ...) -> i64;
    }
    pub const SIGHUP: i32 = 1;
    pub const SIGKILL: i32 = 9;
    pub const SIGTERM: i32 = 15;
    pub const SIG_IGN: usize = 1;
    pub const PTRACE_ATTACH: i32 = 16;
    pub const PTRACE_DETACH: i32 = 17;
    pub const WALL: i32 = 0x4000_0000;
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = args.get(2).cloned().unwrap_or_default();
    match args.get(1).map(String::as_str).unwrap_or("") {
        "ok" => println!("ok"),
        "fork_bomb" => fork_bomb::run(),
        "memory_bomb" => memory_bomb::run(),
        "infinite_loop" => infinite_loop::run(),
        "sleep_past_timeout" => sleep_past_timeout::run(),
        "flood_stdout" => flood::run(false),
        "flood_stderr" => flood::run(true),
        "network" => network::run(),
        "read_host" => read_host::run(&arg),
        "write_outside" => write_outside::run(&arg),
        "delete_workspace" => delete_workspace::run(),
        "kill_parent" => kill_parent::run(),
        "daemon" => daemon::run(&arg),
        "fill_disk" => fill_disk::run(),
        "docker_socket" => docker_socket::run(),
        "read_secrets" => read_secrets::run(&arg),
        "write_host" => write_host::run(&arg),
        "setuid" => setuid::run(&arg),
        "signal_harness" => signal_harness::run(&arg),
        "leftover" => leftover::run(),
        other => {
            eprintln!("unknown case {other:?}");
            std::process::exit(2);
        }
    }
}
