//! Delete the workspace: remove everything in the working directory, then the directory itself.
pub fn run() {
    let cwd = std::env::current_dir().unwrap();
    for entry in std::fs::read_dir(&cwd).unwrap().flatten() {
        let path = entry.path();
        let _ = if path.is_dir() && !path.is_symlink() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
    }
    if let Err(e) = std::fs::remove_dir(&cwd) {
        println!("rmdir refused: {e}");
    }
    println!("DELETED");
}
