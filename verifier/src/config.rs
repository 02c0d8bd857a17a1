//! What the caller of [`crate::verify`] tells the verifier besides the program and its type:
//! the maps the program references and the limits to enforce.

/// A map the program may reference by index (`r1 = map_fd(N) ll`, `map_value(N, off)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MapDef {
    /// Key size in bytes.
    pub key_size: u32,
    /// Value size in bytes.
    pub value_size: u32,
    /// Whether the program may only read values (`.rodata`).
    pub read_only: bool,
}

/// Options of a verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierConfig {
    /// The maps, by index.
    pub maps: Vec<MapDef>,
    /// Reject programs whose worst-case instruction count exceeds this.
    pub max_worst_case: Option<u64>,
    /// The most function instances (one per call site along each call chain) analysed.
    pub max_instances: usize,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        VerifierConfig {
            maps: Vec::new(),
            max_worst_case: None,
            max_instances: 4096,
        }
    }
}
