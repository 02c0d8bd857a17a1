//! The rf_* helpers for the checked interpreter: each reads the event and its memory
//! argument through [`Memory`], under the same region checks as the program, then calls the
//! table's native implementation.
#![forbid(unsafe_code)]

use std::sync::Arc;

use super::direct::RfBound;
use super::{AlertSink, RfCall, RfHelper, RF_HELPERS};
use crate::event::{EventView, Layout};
use crate::helpers::{Helper, HelperError, Helpers};
use crate::memory::Memory;

/// Registers every helper of [`RF_HELPERS`] in `helpers`, for programs whose context is an
/// event laid out as `layout`; `rf_alert` records into the run's
/// [`RunState`](crate::helpers::RunState) (a run without one cannot raise alerts: `rf_alert`
/// returns -ENOSPC). The context must be readable at `r1` for `layout.size` bytes and its
/// data area between `data` and `data_end`.
pub fn register_checked(helpers: &mut Helpers, layout: Arc<Layout>) {
    for helper in RF_HELPERS {
        helpers.register(helper.id, checked_helper(helper, layout.clone()));
    }
}

/// One table entry as a checked-interpreter [`Helper`].
pub fn checked_helper(helper: &'static RfHelper, layout: Arc<Layout>) -> Helper {
    let mem_arg = helper.mem_arg();
    // Only rf_alert touches the sink: the others skip the lock.
    let records_alerts = helper.name == "rf_alert";
    let direct = RfBound::new(helper, layout.clone());
    Helper::new(helper.name, move |memory: &mut Memory<'_>, args| {
        // rf_alert borrows the run's sink for the call (the reads below borrow memory), and
        // gives it back whatever happens.
        let mut sink = match memory.run_state() {
            // An empty sink of capacity 0 in its place: `take` would allocate a default one.
            Some(state) if records_alerts => {
                std::mem::replace(&mut state.alerts, AlertSink::new(0))
            }
            _ => AlertSink::new(0),
        };
        let result = call_native(helper, &layout, mem_arg, memory, args, &mut sink);
        if let Some(state) = memory.run_state().filter(|_| records_alerts) {
            state.alerts = sink;
        }
        result
    })
    .with_direct(direct)
}

/// Reads the event and the memory argument through `memory` and calls the native helper.
fn call_native(
    helper: &'static RfHelper,
    layout: &Layout,
    mem_arg: Option<(usize, usize)>,
    memory: &Memory<'_>,
    args: [u64; 5],
    sink: &mut AlertSink,
) -> Result<u64, HelperError> {
    let fixed = memory.read(args[0], u64::from(layout.size))?;
    let data_ptr = u64::from_le_bytes(fixed[0..8].try_into().expect("8 bytes"));
    let data_end = u64::from_le_bytes(fixed[8..16].try_into().expect("8 bytes"));
    let Some(data_len) = data_end.checked_sub(data_ptr) else {
        return Err(HelperError::Failed(format!(
            "{}: the event's data_end {data_end:#x} is below data {data_ptr:#x}",
            helper.name
        )));
    };
    let data = memory.read(data_ptr, data_len)?;
    let event = EventView::new(layout, &fixed, &data).ok_or_else(|| {
        HelperError::Failed(format!(
            "{}: the event's data area is too long",
            helper.name
        ))
    })?;
    let mut call = |mem: &[u8]| {
        let rf_call = RfCall { args, mem };
        let result = (helper.native)(&event, &rf_call, sink);
        result.map_err(|err| HelperError::Failed(err.to_string()))
    };
    match mem_arg {
        // `read_with`: a literal in `.rodata` (shared map memory) is copied onto the stack,
        // not into an allocation.
        Some((ptr_idx, len_idx)) => memory.read_with(args[ptr_idx], args[len_idx], call)?,
        None => call(&[]),
    }
}
