//! Memory bomb: keep allocating 16 MiB blocks, every byte written.
pub fn run() {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        blocks.push(vec![1u8; 16 << 20]);
    }
}
