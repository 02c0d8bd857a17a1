//! The rf_* helpers for the checked interpreter: each reads the event and its memory
//! argument through [`Memory`], under the same region checks as the program, then calls the
//! table's native implementation.
#![forbid(unsafe_code)]

use std::sync::{Arc, Mutex};

use super::{AlertSink, RfCall, RfHelper, RF_HELPERS};
use crate::event::{EventView, Layout};
use crate::helpers::{Helper, HelperError, Helpers};
use crate::memory::Memory;

/// Registers every helper of [`RF_HELPERS`] in `helpers`, for programs whose context is an
/// event laid out as `layout`; `rf_alert` records into `alerts` (clear it between
/// evaluations). The context must be readable at `r1` for `layout.size` bytes and its data
/// area between `data` and `data_end`.
pub fn register_checked(helpers: &mut Helpers, layout: Arc<Layout>, alerts: Arc<Mutex<AlertSink>>) {
    for helper in RF_HELPERS {
        helpers.register(
            helper.id,
            checked_helper(helper, layout.clone(), alerts.clone()),
        );
    }
}

/// One table entry as a checked-interpreter [`Helper`].
pub fn checked_helper(
    helper: &'static RfHelper,
    layout: Arc<Layout>,
    alerts: Arc<Mutex<AlertSink>>,
) -> Helper {
    let mem_arg = helper.mem_arg();
    // Only rf_alert touches the sink: the others skip the lock.
    let records_alerts = helper.name == "rf_alert";
    Helper::new(helper.name, move |memory: &mut Memory<'_>, args| {
        let memory = &*memory;
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
        let mem = match mem_arg {
            Some((ptr_idx, len_idx)) => memory.read(args[ptr_idx], args[len_idx])?,
            None => &[],
        };
        let event = EventView::new(&layout, fixed, data).ok_or_else(|| {
            HelperError::Failed(format!(
                "{}: the event's data area is too long",
                helper.name
            ))
        })?;
        let call = RfCall { args, mem };
        let result = if records_alerts {
            let mut alerts = alerts
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            (helper.native)(&event, &call, &mut alerts)
        } else {
            (helper.native)(&event, &call, &mut AlertSink::new(0))
        };
        result.map_err(|err| HelperError::Failed(err.to_string()))
    })
}
