//! The ELF loader on a real clang-19 object (vm/tests/data/elf/linking.c, rebuilt by
//! scripts/rebuild-c-fixtures.sh), and on thousands of broken copies of it: every one is
//! loaded or refused with an error, never a panic.

use ringfence_isa::{CallKind, Op, Semantics};
use ringfence_vm::elf::{load_object, LoadError, MapSymbolKind};

const LINKING: &[u8] = include_bytes!("data/elf/linking.o");

#[test]
fn programs_come_from_their_sections_with_subprograms_linked() {
    let object = load_object(LINKING).unwrap();
    let names: Vec<(&str, &str)> = object
        .programs
        .iter()
        .map(|p| (p.name.as_str(), p.section.as_str()))
        .collect();
    assert_eq!(names, [("first", "exec"), ("second", "file")]);
    for program in &object.programs {
        // Every local call lands on a function start inside the linked program.
        for (pc, insn) in program.insns.iter().enumerate() {
            if matches!(
                insn.semantics(),
                Semantics::Call {
                    kind: CallKind::Local
                }
            ) {
                let target = insn.jump_target(pc).unwrap();
                assert!(
                    (0..program.insns.len() as i64).contains(&target),
                    "{}: call at {pc} leaves the program",
                    program.name
                );
                assert_eq!(program.origins[target as usize].0, ".text");
            }
        }
        assert_eq!(program.origins.len(), program.insns.len());
    }
}

#[test]
fn maps_and_global_data_are_numbered_declared_first() {
    let object = load_object(LINKING).unwrap();
    let maps: Vec<&str> = object.maps.iter().map(|m| m.name.as_str()).collect();
    // Declared maps in section order, then global data in section order.
    assert_eq!(maps, ["legacy", "counts", ".data", ".rodata", ".bss"]);
    assert_eq!(
        object.maps[0].kind,
        MapSymbolKind::Legacy {
            map_type: 2,
            key_size: 4,
            value_size: 8,
            max_entries: 16,
            flags: 0
        }
    );
    assert!(
        matches!(&object.maps[3].kind, MapSymbolKind::GlobalData { read_only: true, bytes } if bytes.starts_with(b"hello %d"))
    );
    assert!(
        matches!(&object.maps[4].kind, MapSymbolKind::GlobalData { read_only: false, bytes } if bytes == &[0, 0, 0, 0])
    );
    // The first program refers to `counts` by map index and to global data by pointer.
    let first = &object.programs[0];
    let map_refs: Vec<i64> = first
        .insns
        .iter()
        .filter(|i| i.op == Op::LddwMapFd && !i.is_lddw_tail())
        .map(|i| i.imm)
        .collect();
    assert_eq!(map_refs, [1]);
    let data_refs: Vec<u64> = first
        .insns
        .iter()
        .filter(|i| i.op == Op::LddwMapValue && !i.is_lddw_tail())
        .map(|i| i.imm as u64 & 0xffff_ffff)
        .collect();
    assert_eq!(
        data_refs,
        [3, 4, 2],
        "greeting (.rodata), zeroed (.bss), counter (.data)"
    );
}

#[test]
fn non_elf_and_foreign_objects_are_refused_by_name() {
    assert!(matches!(
        load_object(b"not an elf"),
        Err(LoadError::NotElf { .. })
    ));
    let mut x86 = LINKING.to_vec();
    x86[18] = 62; // e_machine = EM_X86_64
    let err = load_object(&x86).unwrap_err();
    assert!(err.to_string().contains("clang -target bpf"), "{err}");
}

#[test]
fn truncated_and_mutated_objects_never_panic() {
    let mut refused = 0;
    for len in (0..LINKING.len()).step_by(7) {
        if load_object(&LINKING[..len]).is_err() {
            refused += 1;
        }
    }
    assert!(refused > 0);
    // Deterministic mutations: flip bytes across the whole file, several at a time.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let mut bytes = LINKING.to_vec();
        for _ in 0..1 + next() % 4 {
            let at = (next() % bytes.len() as u64) as usize;
            bytes[at] = next() as u8;
        }
        let _ = load_object(&bytes);
    }
}
