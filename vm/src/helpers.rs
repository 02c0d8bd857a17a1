//! Helper functions: a registry keyed by helper number, shared cheaply between threads, and
//! the helpers of the bpf_conformance suite.
//!
//! A helper receives the five argument registers `r1` to `r5` and the program's [`Memory`],
//! through which it reads and writes program memory under the same region checks as the
//! program itself. It returns the value for `r0`, or a [`HelperError`]: `Unwind` ends the
//! program at once with that `r0`, the others are faults.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::memory::{Memory, MemoryFault};
use crate::rf_helpers::direct::RfBound;

/// What the helpers of one run share besides memory: the alerts it raised, the text it
/// printed (`trace_printk`), its random state and, when the caller fixes it, the clock.
#[derive(Clone, Debug, Default)]
pub struct RunState {
    /// Alerts raised with `rf_alert`.
    pub alerts: crate::rf_helpers::AlertSink,
    /// Lines printed with `trace_printk`.
    pub trace: Vec<String>,
    /// The state of `get_prandom_u32` (xorshift; 0 means "seed from the clock").
    pub random: u64,
    /// What `ktime_get_ns` returns, if fixed (deterministic tests); else the host's clock.
    pub clock_ns: Option<u64>,
}

impl RunState {
    /// Forgets what the last run recorded, keeping allocations.
    pub fn clear(&mut self) {
        self.alerts.clear();
        self.trace.clear();
    }
}

/// The signature of a helper: `(memory, [r1, r2, r3, r4, r5]) -> r0`.
pub type HelperFn =
    dyn Fn(&mut Memory<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync + 'static;

/// How a helper call can end other than by returning a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HelperError {
    /// End the program now, with `r0` set to this value.
    #[error("unwind with r0 = {0:#x}")]
    Unwind(u64),
    /// The helper touched memory the program may not touch.
    #[error(transparent)]
    Memory(#[from] MemoryFault),
    /// The helper refused its arguments.
    #[error("{0}")]
    Failed(String),
}

/// One registered helper.
#[derive(Clone)]
pub struct Helper {
    /// The helper's name, for diagnostics.
    pub name: &'static str,
    function: Arc<HelperFn>,
    /// For an rf_* helper: the same helper, callable without [`Memory`] by an engine that
    /// knows the run's regions as slices ([`RfBound::call_direct`]).
    direct: Option<Arc<RfBound>>,
}

impl Helper {
    /// A helper named `name` calling `function`.
    pub fn new(
        name: &'static str,
        function: impl Fn(&mut Memory<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync + 'static,
    ) -> Helper {
        Helper {
            name,
            function: Arc::new(function),
            direct: None,
        }
    }

    /// The helper with a direct entry: `direct` must compute exactly what `function` does
    /// whenever it answers (see [`RfBound::call_direct`]).
    pub fn with_direct(mut self, direct: RfBound) -> Helper {
        self.direct = Some(Arc::new(direct));
        self
    }

    /// The direct entry of an rf_* helper, if it has one.
    #[inline]
    pub fn direct(&self) -> Option<&RfBound> {
        self.direct.as_deref()
    }

    /// The direct entry, shared (what a compiled call site keeps).
    pub(crate) fn direct_shared(&self) -> Option<&Arc<RfBound>> {
        self.direct.as_ref()
    }

    /// Calls the helper.
    #[inline]
    pub fn call(&self, memory: &mut Memory<'_>, args: [u64; 5]) -> Result<u64, HelperError> {
        (self.function)(memory, args)
    }
}

impl fmt::Debug for Helper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Helper").field("name", &self.name).finish()
    }
}

/// The helpers a program may call, by number. Cloning shares the table (one reference-count
/// increment); it is `Send + Sync`, so many threads can run programs against one registry.
#[derive(Clone, Debug, Default)]
pub struct Helpers {
    by_id: Arc<HashMap<u32, Helper>>,
}

impl Helpers {
    /// An empty registry.
    pub fn new() -> Helpers {
        Helpers::default()
    }

    /// Registers `helper` as number `id`, replacing any helper registered under it.
    pub fn register(&mut self, id: u32, helper: Helper) -> &mut Helpers {
        Arc::make_mut(&mut self.by_id).insert(id, helper);
        self
    }

    /// The registry with `helper` added as number `id`.
    pub fn with(mut self, id: u32, helper: Helper) -> Helpers {
        self.register(id, helper);
        self
    }

    /// The helper registered as number `id`.
    #[inline]
    pub fn get(&self, id: u32) -> Option<&Helper> {
        self.by_id.get(&id)
    }

    /// The registered numbers, in increasing order.
    pub fn ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self.by_id.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// The helpers of the bpf_conformance suite: number 5 is [`conformance_unwind`].
    pub fn conformance() -> Helpers {
        Helpers::new().with(CONFORMANCE_UNWIND_ID, conformance_unwind())
    }
}

/// The `mem` program type of the bpf_conformance suite for a buffer of `mem_len` bytes: what
/// the verifier needs to know of [`Helpers::conformance`] (helper 5 takes and returns a
/// number).
pub fn conformance_program_type(mem_len: u64) -> ringfence_verifier::ProgramType {
    use ringfence_verifier::{ArgKind, HelperSig, ProgramType, RetKind};
    ProgramType::mem(mem_len).with_helper(
        CONFORMANCE_UNWIND_ID as i32,
        HelperSig::new("unwind", &[ArgKind::Scalar], RetKind::Scalar),
    )
}

/// The number the bpf_conformance suite gives its unwind helper.
pub const CONFORMANCE_UNWIND_ID: u32 = 5;

/// Helper 5 of the bpf_conformance suite: returns its first argument, and when that argument
/// is 0 ends the program with `r0 = 0`.
pub fn conformance_unwind() -> Helper {
    Helper::new("unwind", |_memory, [r1, ..]| {
        if r1 == 0 {
            Err(HelperError::Unwind(0))
        } else {
            Ok(r1)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Helpers>();
        let helpers = Helpers::conformance();
        let copy = helpers.clone();
        assert!(Arc::ptr_eq(&helpers.by_id, &copy.by_id));
        assert_eq!(copy.ids(), vec![5]);
    }

    #[test]
    fn unwind_returns_its_argument_or_unwinds_on_zero() {
        let mut memory = Memory::new(Vec::new());
        let unwind = conformance_unwind();
        assert_eq!(unwind.call(&mut memory, [7, 0, 0, 0, 0]), Ok(7));
        assert_eq!(
            unwind.call(&mut memory, [0, 1, 2, 3, 4]),
            Err(HelperError::Unwind(0))
        );
    }
}
