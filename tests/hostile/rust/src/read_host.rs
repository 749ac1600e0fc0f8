//! Read the host: dump the environment, list HOME, and read a host file outside the workspace.
pub fn run(canary: &str) {
    for (k, v) in std::env::vars() {
        println!("ENV {k}={v}");
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let names: Vec<String> = std::fs::read_dir(&home)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    println!("HOME {home} {names:?}");
    match std::fs::read_to_string(canary) {
        Ok(text) => println!("CANARY:{text}"),
        Err(e) => println!("canary unreadable: {e}"),
    }
}
