//! The JIT beside its peers (placeholder while the JIT is written).
fn main() {}
