//! The 50 rules of the bench pack (`benches/pack50/rules.txt`) as native Rust closures over
//! encoded events: the limit the engine is measured against (`benches/engine.rs`), and, in
//! `tests/pack50.rs`, checked to give the C rules' verdicts on every event, rule by rule, so
//! the bench compares the same work. Each template of `rules.txt` is one closure constructor;
//! the string tests are the rf_* helpers' own (`rf_helpers::matching`), applied to every
//! element of a list as the helpers do.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ringfence_vm::event::{EventBuf, EventView, Layout, SchemaSet};
use ringfence_vm::rf_helpers::matching;

/// The bench pack's directory.
pub fn pack_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/pack50")
}

/// One rule: its test over an event of its type at time `now_ns` (what `bpf_ktime_get_ns`
/// returns to the C rule); on a match it records an alert (rule id, pid), as the C rules do
/// with rf_alert.
type NativeFn = Box<dyn Fn(&EventView<'_>, u64, &mut Vec<(u32, u32)>) -> bool + Send + Sync>;

/// The native pack: rules bucketed by event type id, like the engine's.
pub struct NativePack {
    layouts: Vec<Option<Layout>>,
    /// Per event type: (index in rules.txt order, the rule).
    buckets: Vec<Vec<(u32, NativeFn)>>,
}

/// The fields the rules read, by name, for one event type.
#[derive(Clone, Copy)]
struct Fields {
    pid: u32,
    exe: u32,
    args: u32,
    cwd: u32,
    parent_exe: u32,
    tty: u32,
    container_id: u32,
    field: [u32; 8],
}

fn list(text: &str) -> Vec<Vec<u8>> {
    text.split(';')
        .filter(|s| !s.is_empty())
        .map(|s| s.as_bytes().to_vec())
        .collect()
}

fn ports(text: &str) -> Vec<u64> {
    text.split(';')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

/// Whether any string of the field (each element of a list) passes `test` with any pattern.
#[inline]
fn any_str(
    view: &EventView<'_>,
    field: u32,
    patterns: &[Vec<u8>],
    test: fn(&[u8], &[u8]) -> bool,
) -> bool {
    match view.strings(field) {
        Some(mut strings) => strings.any(|s| patterns.iter().any(|p| test(s, p))),
        None => false,
    }
}

#[inline]
fn str_len(view: &EventView<'_>, field: u32) -> usize {
    view.str_bytes(field).map_or(0, <[u8]>::len)
}

/// Not in 10/8, 172.16/12, 192.168/16, 127/8 (an IPv6 address is never in them).
#[inline]
fn is_public(view: &EventView<'_>, field: u32) -> bool {
    match view.ip(field) {
        Some(std::net::IpAddr::V4(v4)) => !(v4.is_private() || v4.is_loopback()),
        _ => true,
    }
}

#[allow(clippy::too_many_lines)]
pub fn native_pack(schemas: &SchemaSet) -> NativePack {
    let spec = std::fs::read_to_string(pack_dir().join("rules.txt")).unwrap();
    let max_type = schemas.iter().map(|(t, _)| t).max().unwrap_or(0) as usize;
    let mut layouts: Vec<Option<Layout>> = vec![None; max_type + 1];
    for (t, schema) in schemas.iter() {
        layouts[t as usize] = Some(schema.layout().clone());
    }
    let mut buckets: Vec<Vec<(u32, NativeFn)>> = (0..=max_type).map(|_| Vec::new()).collect();
    for (num, line) in spec
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .enumerate()
    {
        let rule_id = 101 + num as u32;
        let parts: Vec<&str> = line.split('|').collect();
        let (template, p) = (parts[1], &parts[3..]);
        let param = |i: usize| p.get(i).copied().unwrap_or("");
        let event = match template {
            "first_byte" => param(0),
            "open_path" => "file_open",
            "connect_port" => "network_connect",
            "auth_user" | "auth_burst" => "auth_attempt",
            _ => "process_exec",
        };
        let (type_id, schema) = schemas.by_name(event).unwrap();
        let id = |name: &str| schema.field_id(name).unwrap_or(u32::MAX);
        let f = Fields {
            pid: id("pid"),
            exe: id("exe"),
            args: id("args"),
            cwd: id("cwd"),
            parent_exe: id("parent_exe"),
            tty: id("tty"),
            container_id: id("container_id"),
            field: [
                id("stdin_type"),
                id("stdout_type"),
                id("path"),
                id("flags"),
                id("daddr"),
                id("dport"),
                id("protocol"),
                id("success"),
            ],
        };
        let (user, service, saddr) = (id("user"), id("service"), id("saddr"));
        let alert = move |view: &EventView<'_>, alerts: &mut Vec<(u32, u32)>| {
            alerts.push((rule_id, view.scalar(f.pid).unwrap_or(0) as u32));
            true
        };
        let rule: NativeFn = match template {
            "exe_prefix" => {
                let prefixes = list(param(0));
                Box::new(move |v, _now, a| {
                    any_str(v, f.exe, &prefixes, matching::prefix) && alert(v, a)
                })
            }
            "exe_suffix_arg_prefix" | "exe_suffix_arg_contains" => {
                let (suffixes, args) = (list(param(0)), list(param(1)));
                let test = if template == "exe_suffix_arg_prefix" {
                    matching::prefix
                } else {
                    matching::contains
                };
                Box::new(move |v, _now, a| {
                    any_str(v, f.exe, &suffixes, matching::suffix)
                        && any_str(v, f.args, &args, test)
                        && alert(v, a)
                })
            }
            "parent_glob_exe_suffix" => {
                let (globs, suffixes) = (list(param(0)), list(param(1)));
                Box::new(move |v, _now, a| {
                    any_str(v, f.parent_exe, &globs, matching::glob)
                        && any_str(v, f.exe, &suffixes, matching::suffix)
                        && alert(v, a)
                })
            }
            "container_tty_exe_suffix" => {
                let suffixes = list(param(0));
                Box::new(move |v, _now, a| {
                    str_len(v, f.container_id) != 0
                        && str_len(v, f.tty) != 0
                        && any_str(v, f.exe, &suffixes, matching::suffix)
                        && alert(v, a)
                })
            }
            "socket_stdio_exe_suffix" => {
                let suffixes = list(param(0));
                Box::new(move |v, _now, a| {
                    v.scalar(f.field[0]) == Some(4)
                        && v.scalar(f.field[1]) == Some(4)
                        && any_str(v, f.exe, &suffixes, matching::suffix)
                        && alert(v, a)
                })
            }
            "first_byte" => {
                let field = match param(1) {
                    "exe" => f.exe,
                    "cwd" => f.cwd,
                    _ => f.field[2],
                };
                Box::new(move |v, _now, a| {
                    matches!(v.str_bytes(field), Some([first, ..]) if *first != b'/') && alert(v, a)
                })
            }
            "open_path" => {
                let (prefixes, allowed) = (list(param(0)), list(param(1)));
                let mask: u64 = param(2).parse().unwrap();
                Box::new(move |v, _now, a| {
                    any_str(v, f.field[2], &prefixes, matching::prefix)
                        && !any_str(v, f.exe, &allowed, matching::eq)
                        && (mask == 0 || v.scalar(f.field[3]).unwrap_or(0) & mask != 0)
                        && alert(v, a)
                })
            }
            "connect_port" => {
                let (wanted, suffixes, excluded) =
                    (ports(param(0)), list(param(1)), ports(param(2)));
                Box::new(move |v, _now, a| {
                    let dport = v.scalar(f.field[5]).unwrap_or(0);
                    v.scalar(f.field[6]) == Some(6)
                        && (wanted.is_empty() || wanted.contains(&dport))
                        && !excluded.contains(&dport)
                        && (suffixes.is_empty() || any_str(v, f.exe, &suffixes, matching::suffix))
                        && is_public(v, f.field[4])
                        && alert(v, a)
                })
            }
            "auth_user" => {
                let (users, svc) = (list(param(0)), list(param(1)));
                Box::new(move |v, _now, a| {
                    v.scalar(f.field[7]) == Some(0)
                        && any_str(v, service, &svc, matching::eq)
                        && any_str(v, user, &users, matching::eq)
                        && alert(v, a)
                })
            }
            "auth_burst" => {
                let svc = list(param(0));
                let threshold: u64 = param(1).parse().unwrap();
                // The hash map of the C rule: source address → (window start, failures),
                // shared by every thread.
                let windows: Mutex<HashMap<[u8; 16], (u64, u64)>> = Mutex::default();
                Box::new(move |v, now, a| {
                    if v.scalar(f.field[7]) != Some(0) || !any_str(v, service, &svc, matching::eq) {
                        return false;
                    }
                    let Some(source) = v.field_bytes(saddr).and_then(|b| b.try_into().ok()) else {
                        return false;
                    };
                    let mut windows = windows.lock().unwrap();
                    let w = windows.entry(source).or_insert((now, 0));
                    if now - w.0 > 60_000_000_000 {
                        *w = (now, 1);
                        return false;
                    }
                    w.1 += 1;
                    w.1 == threshold && alert(v, a)
                })
            }
            other => panic!("rules.txt: unknown template {other}"),
        };
        buckets[type_id as usize].push((num as u32, rule));
    }
    NativePack { layouts, buckets }
}

impl NativePack {
    /// Evaluates every rule of the event's type at time `now_ns`; returns the number of
    /// matches (their alerts are in `alerts`).
    #[inline]
    #[allow(dead_code)]
    pub fn evaluate(&self, event: &EventBuf, now_ns: u64, alerts: &mut Vec<(u32, u32)>) -> usize {
        alerts.clear();
        let t = event.type_id() as usize;
        let Some(Some(layout)) = self.layouts.get(t) else {
            return 0;
        };
        let Some(view) = EventView::new(layout, event.fixed(), event.data()) else {
            return 0;
        };
        self.buckets[t]
            .iter()
            .filter(|(_, rule)| rule(&view, now_ns, alerts))
            .count()
    }

    /// The indices (in rules.txt order) of the rules that match the event at `now_ns`.
    #[allow(dead_code)]
    pub fn matches(&self, event: &EventBuf, now_ns: u64) -> Vec<u32> {
        let mut alerts = Vec::new();
        let t = event.type_id() as usize;
        let Some(Some(layout)) = self.layouts.get(t) else {
            return Vec::new();
        };
        let Some(view) = EventView::new(layout, event.fixed(), event.data()) else {
            return Vec::new();
        };
        self.buckets[t]
            .iter()
            .filter(|(_, rule)| rule(&view, now_ns, &mut alerts))
            .map(|(index, _)| *index)
            .collect()
    }
}
