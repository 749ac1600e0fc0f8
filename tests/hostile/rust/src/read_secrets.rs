//! Read secrets: a file in the harness user's real home, then the environment and command line of every
//! process /proc shows: init's, our parent's, the harness's own.
use std::collections::HashSet;

pub fn run(secret: &str) {
    match std::fs::read_to_string(secret) {
        Ok(text) => println!("SECRET-FILE:{text}"),
        Err(e) => eprintln!("secret file unreadable: {e}"),
    }
    let pids: Vec<String> = std::fs::read_dir("/proc")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let pids: Vec<String> = pids.into_iter().filter(|n| n.bytes().all(|b| b.is_ascii_digit())).collect();
    println!("PROCS {}", pids.len());
    let parent = unsafe { crate::sys::getppid() }.to_string();
    let mut seen = HashSet::new();
    for pid in ["1".to_string(), parent].into_iter().chain(pids) {
        if !seen.insert(pid.clone()) {
            continue;
        }
        for part in ["environ", "cmdline"] {
            if let Ok(data) = std::fs::read(format!("/proc/{pid}/{part}")) {
                let text: String = String::from_utf8_lossy(&data).replace('\0', " ").chars().take(4000).collect();
                println!("PROC {pid} {part}: {text}");
            }
        }
    }
}
