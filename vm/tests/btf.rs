//! The BTF reader on real clang-19 objects (`vm/tests/data/btf/*.o`, rebuilt by
//! `scripts/rebuild-btf-fixtures.sh`): struct layouts checked against what
//! `llvm-dwarfdump-19` says of the same object, BTF-defined maps, line information; then
//! hand-built malformed BTF, one error per case, and a seeded mutation run over the real
//! sections (the in-tree stand-in for a fuzz target) asserting that nothing panics.

use std::path::PathBuf;

use ringfence_vm::btf::{
    find_sections, read_object, Btf, BtfError, BtfExt, BtfKind, BtfMapDef, BtfSections, Member,
    ObjectBtf, TypeId,
};
use ringfence_vm::elf::MapSymbolKind;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/btf")).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn object(name: &str) -> ObjectBtf {
    read_object(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A member as (name, offset, size, C type, bitfield), compact enough to list a struct.
fn row(member: &Member) -> (&str, u32, u32, &str, Option<(u32, u32)>) {
    (
        member.name.as_str(),
        member.offset_bytes,
        member.size_bytes,
        member.type_name.as_str(),
        member.bitfield.map(|field| (field.bit_offset, field.bits)),
    )
}

// Offsets as `llvm-dwarfdump-19 --debug-info layout.o` gives them: rf_event byte_size 0x88,
// is_root data_bit_offset 0x1a0 and bit_size 1, depth 0x1a1 and 7, flags at 0x35, args at
// 0x38, addr at 0x68, next at 0x78, callback at 0x80.
#[test]
fn struct_layouts_match_dwarf() {
    let btf = object("layout.o").btf;
    let event = btf.find_struct("rf_event").unwrap();
    assert_eq!(
        (event.name.as_str(), event.size, event.is_union),
        ("rf_event", 136, false)
    );
    let rows: Vec<_> = event.members.iter().map(row).collect();
    assert_eq!(
        rows,
        [
            ("timestamp", 0, 8, "__u64", None),
            ("pid", 8, 4, "rf_pid_t", None),
            ("uid", 12, 4, "__u32", None),
            ("comm", 16, 16, "char[16]", None),
            ("path", 32, 16, "struct rf_str", None),
            ("kind", 48, 4, "enum rf_kind", None),
            ("is_root", 52, 1, "unsigned int", Some((416, 1))),
            ("depth", 52, 1, "unsigned int", Some((417, 7))),
            ("flags", 53, 1, "const volatile __u8", None),
            ("args", 56, 48, "__s64[2][3]", None),
            ("addr", 104, 16, "union {...}", None),
            ("next", 120, 8, "struct rf_str *", None),
            ("callback", 128, 8, "int (*)(int, const char *)", None),
        ]
    );

    let string = btf.find_struct("rf_str").unwrap();
    assert_eq!(string.size, 16);
    let rows: Vec<_> = string.members.iter().map(row).collect();
    assert_eq!(
        rows,
        [
            ("len", 0, 2, "__u16", None),
            ("bytes", 2, 14, "char[14]", None)
        ]
    );

    // The anonymous union, through the member's type id.
    let addr = &event.members[10];
    let union = btf.struct_layout(addr.type_id).unwrap();
    assert!(union.is_union);
    assert_eq!(union.name, "");
    let rows: Vec<_> = union.members.iter().map(row).collect();
    assert_eq!(
        rows,
        [
            ("addr4", 0, 4, "__u32", None),
            ("addr6", 0, 16, "__u8[16]", None)
        ]
    );

    assert_eq!(btf.find_struct("rf_missing"), None);
    assert_eq!(btf.find_struct("rf_kind"), None, "an enum is not a struct");
}

#[test]
fn types_resolve_and_size() {
    let btf = object("layout.o").btf;
    let event = btf.find_struct("rf_event").unwrap();
    let member = |name: &str| {
        event
            .members
            .iter()
            .find(|m| m.name == name)
            .unwrap()
            .type_id
    };

    // pid: rf_pid_t -> __u32 -> unsigned int
    let pid = btf.resolve(member("pid")).unwrap();
    assert_eq!(btf.type_name(pid).unwrap(), "unsigned int");
    assert!(matches!(
        btf.type_by_id(pid).unwrap().kind,
        BtfKind::Int { size: 4, .. }
    ));
    // flags: const -> volatile -> __u8 -> unsigned char
    let flags = btf.resolve(member("flags")).unwrap();
    assert_eq!(btf.type_name(flags).unwrap(), "unsigned char");
    assert_eq!(btf.size_of(member("flags")).unwrap(), 1);
    assert_eq!(btf.size_of(member("args")).unwrap(), 48);
    assert_eq!(btf.size_of(member("callback")).unwrap(), 8);

    // The enum's values.
    let kind = btf.type_by_id(member("kind")).unwrap();
    let BtfKind::Enum(enum_type) = &kind.kind else {
        panic!("kind is {:?}", kind.kind)
    };
    let values: Vec<_> = enum_type
        .values
        .iter()
        .map(|value| (btf.name(value.name_off).into_owned(), value.value))
        .collect();
    assert_eq!(
        values,
        [
            ("RF_EXEC".to_string(), 1),
            ("RF_OPEN".to_string(), 2),
            ("RF_CONNECT".to_string(), 3)
        ]
    );

    // Functions have no size; their names print as C declarations.
    let (check, _) = btf
        .types()
        .find(|(_, ty)| matches!(ty.kind, BtfKind::Func { .. }) && btf.name(ty.name_off) == "check")
        .unwrap();
    assert_eq!(
        btf.type_name(check).unwrap(),
        "int check(struct rf_event *)"
    );
    assert_eq!(
        btf.size_of(check),
        Err(BtfError::NoSize {
            type_id: check,
            kind: "FUNC"
        })
    );
    assert_eq!(
        btf.size_of(TypeId::VOID).unwrap_err().to_string(),
        ".BTF: type 0 (VOID) has no size"
    );
    let past = TypeId(btf.n_types());
    assert_eq!(
        btf.size_of(past),
        Err(BtfError::UnknownType {
            type_id: past,
            n_types: btf.n_types()
        })
    );
}

#[test]
fn btf_defined_maps() {
    let bytes = fixture("maps.o");
    let btf = read_object(&bytes).unwrap().btf;
    let maps = btf.map_defs().unwrap();
    let u32_key = maps[1].key_type.unwrap();
    let proc_value = maps[1].value_type.unwrap();
    assert_eq!(
        maps,
        [
            BtfMapDef {
                name: "counters".to_string(),
                map_type: 2, // BPF_MAP_TYPE_ARRAY
                key_size: 4,
                value_size: 8,
                max_entries: 4,
                map_flags: 0,
                key_type: None,
                value_type: None,
            },
            BtfMapDef {
                name: "procs".to_string(),
                map_type: 1, // BPF_MAP_TYPE_HASH
                key_size: 4,
                value_size: 32,
                max_entries: 1024,
                map_flags: 1, // BPF_F_NO_PREALLOC
                key_type: Some(u32_key),
                value_type: Some(proc_value),
            },
        ]
    );
    assert_eq!(btf.type_name(u32_key).unwrap(), "__u32");
    assert_eq!(btf.type_name(proc_value).unwrap(), "struct rf_proc");
    let proc = btf.struct_layout(proc_value).unwrap();
    let rows: Vec<_> = proc.members.iter().map(row).collect();
    assert_eq!(
        rows,
        [
            ("pid", 0, 4, "__u32", None),
            ("ppid", 4, 4, "__u32", None),
            ("comm", 8, 16, "char[16]", None),
            ("start_ns", 24, 8, "__u64", None),
        ]
    );

    // The ELF loader's `.maps` symbols are exactly the maps BTF defines.
    let loaded = ringfence_vm::load_object(&bytes).unwrap();
    let mut from_elf: Vec<_> = loaded
        .maps
        .iter()
        .filter(|map| matches!(map.kind, MapSymbolKind::Btf { .. }))
        .map(|map| map.name.as_str())
        .collect();
    from_elf.sort_unstable();
    assert_eq!(from_elf, ["counters", "procs"]);

    // An object without `.maps` has no map definitions.
    assert_eq!(object("lines.o").btf.map_defs().unwrap(), []);
}

// `llvm-objdump-19 -dl lines.o` (DWARF) agrees for `exec`: exec+0 is line 16 (`b = ctx[1]`),
// exec+8 line 15, exec+16 line 17, exec+24..47 line 18 (`a - b` and the call), exec+48 line
// 19 (`b - a`), exec+56 line 20. For `square` in .text, BTF gives its first instruction the
// declaration's line 7 where DWARF says 8 (the `{`); .text+8 is line 9 in both.
#[test]
fn line_info_maps_instructions_to_c_lines() {
    let ext = object("lines.o").ext.unwrap();
    let line = |section: &str, offset: u64| {
        let info = ext.line_at(section, offset).unwrap();
        assert!(info.file.ends_with("lines.c"), "{info:?}");
        assert_eq!(info.section, section);
        info.line
    };
    assert_eq!(line("exec", 0), 16);
    assert_eq!(line("exec", 8), 15);
    assert_eq!(line("exec", 16), 17);
    assert_eq!(line("exec", 24), 18);
    assert_eq!(line("exec", 32), 18);
    assert_eq!(line("exec", 36), 18, "an offset inside an instruction");
    assert_eq!(line("exec", 40), 18);
    assert_eq!(line("exec", 48), 19);
    assert_eq!(line("exec", 56), 20);
    assert_eq!(line(".text", 0), 7);
    assert_eq!(line(".text", 8), 9);
    assert_eq!(line(".text", 16), 9);

    let call = ext.line_at("exec", 24).unwrap();
    assert_eq!(call.line_text, "\t\treturn (int)square(a - b);");
    assert_eq!(call.column, 24);
    assert_eq!(call.insn_off, 24);
    assert_eq!(ext.line_at("nowhere", 0), None);

    assert_eq!(ext.func_at("exec", 40).unwrap().name, "lines");
    assert_eq!(ext.func_at(".text", 8).unwrap().name, "square");
    let funcs: Vec<_> = ext
        .func_infos()
        .map(|f| (f.section.as_str(), f.insn_off, f.name.as_str()))
        .collect();
    assert_eq!(funcs, [("exec", 0, "lines"), (".text", 0, "square")]);

    // Every slot the ELF loader produces maps back to a C line of the program.
    let loaded = ringfence_vm::load_object(&fixture("lines.o")).unwrap();
    for program in &loaded.programs {
        assert_eq!(program.origins.len(), program.insns.len());
        for (section, offset) in &program.origins {
            let info = ext.line_at(section, *offset);
            assert!(
                info.is_some(),
                "{}: no line for {section}+{offset}",
                program.name
            );
        }
    }
}

#[test]
fn every_fixture_instruction_has_a_line() {
    for name in ["layout.o", "maps.o", "lines.o"] {
        let bytes = fixture(name);
        let ext = read_object(&bytes).unwrap().ext.unwrap();
        let loaded = ringfence_vm::load_object(&bytes).unwrap();
        for program in &loaded.programs {
            for (section, offset) in &program.origins {
                assert!(
                    ext.line_at(section, *offset).is_some(),
                    "{name}: {section}+{offset}"
                );
            }
        }
    }
}

#[test]
fn from_sections_matches_read_object() {
    let bytes = fixture("maps.o");
    let sections = find_sections(&bytes).unwrap();
    assert_eq!(
        ObjectBtf::from_sections(sections).unwrap(),
        read_object(&bytes).unwrap()
    );
    let no_ext = BtfSections {
        btf: sections.btf,
        ext: None,
    };
    assert_eq!(ObjectBtf::from_sections(no_ext).unwrap().ext, None);
    let error = read_object(b"not an elf").unwrap_err();
    assert!(matches!(error, BtfError::NotElf { .. }), "{error}");
}

/// Builds `.BTF` sections by hand, for malformed cases.
struct Builder {
    types: Vec<u8>,
    strings: Vec<u8>,
    n_types: u32,
}

impl Builder {
    fn new() -> Builder {
        Builder {
            types: Vec::new(),
            strings: vec![0],
            n_types: 0,
        }
    }

    fn string(&mut self, s: &str) -> u32 {
        let offset = self.strings.len() as u32;
        self.strings.extend_from_slice(s.as_bytes());
        self.strings.push(0);
        offset
    }

    /// Appends a type record; returns its id.
    fn ty(&mut self, name: u32, kind: u32, vlen: u32, size_or_type: u32, extra: &[u32]) -> u32 {
        for word in [name, kind << 24 | vlen, size_or_type].iter().chain(extra) {
            self.types.extend_from_slice(&word.to_le_bytes());
        }
        self.n_types += 1;
        self.n_types
    }

    fn int(&mut self, name: &str, size: u32) -> u32 {
        let name = self.string(name);
        self.ty(name, 1, 0, size, &[size * 8])
    }

    /// `int (*)[n]`, as `__uint(name, n)` declares it.
    fn uint(&mut self, int: u32, n: u32) -> u32 {
        let array = self.ty(0, 3, 0, 0, &[int, int, n]);
        self.ty(0, 2, 0, array, &[])
    }

    fn finish(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&0xeb9f_u16.to_le_bytes());
        out.extend_from_slice(&[1, 0]);
        for word in [
            24,
            0,
            self.types.len() as u32,
            self.types.len() as u32,
            self.strings.len() as u32,
        ] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        out
    }
}

#[test]
fn malformed_btf_is_an_error_naming_where() {
    let good = {
        let mut b = Builder::new();
        b.int("int", 4);
        b.finish()
    };
    assert!(Btf::parse(&good).is_ok());

    assert_eq!(
        Btf::parse(&good[..10]),
        Err(BtfError::Truncated {
            section: ".BTF",
            what: "the header",
            offset: 0,
            needed: 24,
            available: 10
        })
    );
    let mut bad = good.clone();
    bad[0] = 0xeb; // big endian
    bad[1] = 0x9f;
    assert_eq!(
        Btf::parse(&bad),
        Err(BtfError::BadMagic {
            section: ".BTF",
            found: 0xeb9f_u16.swap_bytes()
        })
    );
    let mut bad = good.clone();
    bad[2] = 2;
    assert_eq!(
        Btf::parse(&bad),
        Err(BtfError::UnsupportedVersion {
            section: ".BTF",
            found: 2
        })
    );
    // The string section's length runs past the end.
    let mut bad = good.clone();
    bad[20..24].copy_from_slice(&1000u32.to_le_bytes());
    let error = Btf::parse(&bad).unwrap_err();
    assert!(
        matches!(
            error,
            BtfError::SubsectionOutOfBounds {
                subsection: "string section",
                ..
            }
        ),
        "{error}"
    );
    // Truncated in the middle of the INT's extra word.
    let mut bad = good.clone();
    bad[12..16].copy_from_slice(&14u32.to_le_bytes()); // type_len
    bad[16..20].copy_from_slice(&16u32.to_le_bytes()); // str_off
    let error = Btf::parse(&bad).unwrap_err();
    assert_eq!(
        error,
        BtfError::TruncatedType {
            type_id: TypeId(1),
            offset: 24,
            kind: "INT",
            needed: 16,
            available: 14
        }
    );
    assert_eq!(
        error.to_string(),
        ".BTF: type 1 (INT) at offset 24: needs 16 bytes, but the type section ends at 14"
    );

    // A pointer to a type that does not exist.
    let mut b = Builder::new();
    b.int("int", 4);
    b.ty(0, 2, 0, 7, &[]);
    assert_eq!(
        Btf::parse(&b.finish()),
        Err(BtfError::TypeIdOutOfRange {
            type_id: TypeId(2),
            offset: 24 + 16,
            referenced: 7,
            n_types: 3
        })
    );

    // A struct claiming 60000 members in a few bytes.
    let mut b = Builder::new();
    b.ty(0, 4, 60000, 4, &[]);
    let error = Btf::parse(&b.finish()).unwrap_err();
    assert!(
        matches!(
            error,
            BtfError::BadVlen {
                type_id: TypeId(1),
                vlen: 60000,
                kind: "STRUCT",
                ..
            }
        ),
        "{error}"
    );

    // An unknown kind.
    let mut b = Builder::new();
    b.ty(0, 25, 0, 0, &[]);
    assert_eq!(
        Btf::parse(&b.finish()),
        Err(BtfError::UnknownKind {
            type_id: TypeId(1),
            offset: 24,
            kind: 25
        })
    );

    // typedef t = const t: a cycle.
    let mut b = Builder::new();
    let name = b.string("t");
    b.ty(name, 8, 0, 2, &[]);
    b.ty(0, 10, 0, 1, &[]);
    let error = Btf::parse(&b.finish()).unwrap_err();
    assert!(matches!(error, BtfError::Cycle { .. }), "{error}");

    // A pointer to itself.
    let mut b = Builder::new();
    b.ty(0, 2, 0, 1, &[]);
    assert_eq!(
        Btf::parse(&b.finish()),
        Err(BtfError::Cycle {
            type_id: TypeId(1),
            offset: 24
        })
    );

    // 40 nested consts: deeper than the limit.
    let mut b = Builder::new();
    b.int("int", 4);
    for id in 1..=40 {
        b.ty(0, 10, 0, id, &[]);
    }
    let error = Btf::parse(&b.finish()).unwrap_err();
    assert!(
        matches!(error, BtfError::TooDeep { limit: 32, .. }),
        "{error}"
    );

    // A struct through which C would break a cycle is fine: struct s { struct s *next; }.
    let mut b = Builder::new();
    let name = b.string("s");
    let next = b.string("next");
    b.ty(name, 4, 1, 8, &[next, 2, 0]);
    b.ty(0, 2, 0, 1, &[]);
    let btf = Btf::parse(&b.finish()).unwrap();
    let layout = btf.find_struct("s").unwrap();
    assert_eq!(row(&layout.members[0]), ("next", 0, 8, "struct s *", None));

    // A member beyond its struct's end.
    let mut b = Builder::new();
    let int = b.int("int", 4);
    let name = b.string("s");
    let field = b.string("x");
    b.ty(name, 4, 1, 4, &[field, int, 32]);
    let error = Btf::parse(&b.finish()).unwrap_err();
    assert!(
        matches!(
            error,
            BtfError::InvalidType {
                type_id: TypeId(2),
                ..
            }
        ),
        "{error}"
    );

    // A name offset beyond the strings.
    let mut b = Builder::new();
    b.ty(5000, 1, 0, 4, &[32]);
    let error = Btf::parse(&b.finish()).unwrap_err();
    assert!(
        matches!(
            error,
            BtfError::BadString {
                string_offset: 5000,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn qualifiers_and_declarators_print_like_c() {
    let mut b = Builder::new();
    let char_ = b.int("char", 1); // 1
    let const_char = b.ty(0, 10, 0, char_, &[]); // 2: const char
    let ptr_const_char = b.ty(0, 2, 0, const_char, &[]); // 3: const char *
    let ptr_char = b.ty(0, 2, 0, char_, &[]); // 4: char *
    let const_ptr_char = b.ty(0, 10, 0, ptr_char, &[]); // 5: char *const
    let ptr_ptr = b.ty(0, 2, 0, const_ptr_char, &[]); // 6: char *const *
    let array = b.ty(0, 3, 0, 0, &[ptr_char, char_, 4]); // 7: char *[4]
    let ptr_array = b.ty(0, 2, 0, array, &[]); // 8: char *(*)[4]
    let variadic = b.ty(0, 13, 2, char_, &[0, ptr_const_char, 0, 0]); // 9
    let ptr_fn = b.ty(0, 2, 0, variadic, &[]); // 10
    let no_params = b.ty(0, 13, 0, 0, &[]); // 11: void (void)
    let btf = Btf::parse(&b.finish()).unwrap();
    let name = |id: u32| btf.type_name(TypeId(id)).unwrap();
    assert_eq!(name(const_char), "const char");
    assert_eq!(name(ptr_const_char), "const char *");
    assert_eq!(name(const_ptr_char), "char *const");
    assert_eq!(name(ptr_ptr), "char *const *");
    assert_eq!(name(array), "char *[4]");
    assert_eq!(name(ptr_array), "char *(*)[4]");
    assert_eq!(name(variadic), "char (const char *, ...)");
    assert_eq!(name(ptr_fn), "char (*)(const char *, ...)");
    assert_eq!(name(no_params), "void (void)");
}

/// A map definition struct `{ members }` in `.maps`, as the variable `m`.
fn map_btf(members: &[(&str, MapMember)]) -> Btf {
    let mut b = Builder::new();
    let int = b.int("int", 4);
    let u64_ = b.int("unsigned long long", 8);
    let mut words = Vec::new();
    for (name, member) in members {
        let name = b.string(name);
        let ty = match member {
            MapMember::Uint(n) => b.uint(int, *n),
            MapMember::Type(size) => {
                let target = if *size == 8 { u64_ } else { int };
                b.ty(0, 2, 0, target, &[])
            }
            MapMember::Int => int,
        };
        words.extend_from_slice(&[name, ty, words.len() as u32 / 3 * 64]);
    }
    let def = b.ty(0, 4, members.len() as u32, members.len() as u32 * 8, &words);
    let var_name = b.string("m");
    let var = b.ty(var_name, 14, 0, def, &[1]);
    let maps = b.string(".maps");
    b.ty(maps, 15, 1, 0, &[var, 0, 0]);
    Btf::parse(&b.finish()).unwrap()
}

enum MapMember {
    Uint(u32),
    Type(u32),
    Int,
}

#[test]
fn malformed_map_definitions_name_the_map_and_member() {
    use MapMember::{Int, Type, Uint};
    let ok = map_btf(&[
        ("type", Uint(1)),
        ("max_entries", Uint(8)),
        ("key", Type(4)),
        ("value_size", Uint(16)),
    ]);
    let def = &ok.map_defs().unwrap()[0];
    assert_eq!(
        (
            def.name.as_str(),
            def.map_type,
            def.key_size,
            def.value_size,
            def.max_entries
        ),
        ("m", 1, 4, 16, 8)
    );

    let missing = map_btf(&[("type", Uint(1)), ("key", Type(4)), ("value", Type(8))]);
    let error = missing.map_defs().unwrap_err();
    assert_eq!(
        error,
        BtfError::MissingMapMember {
            map: "m".to_string(),
            member: "max_entries"
        }
    );
    assert_eq!(
        error.to_string(),
        ".maps: map `m`: member `max_entries` is missing"
    );

    let no_value = map_btf(&[
        ("type", Uint(1)),
        ("max_entries", Uint(8)),
        ("key", Type(4)),
    ]);
    assert_eq!(
        no_value.map_defs(),
        Err(BtfError::MissingMapMember {
            map: "m".to_string(),
            member: "value"
        })
    );

    let unknown = map_btf(&[("type", Uint(1)), ("pinning", Uint(1))]);
    assert_eq!(
        unknown.map_defs(),
        Err(BtfError::UnknownMapMember {
            map: "m".to_string(),
            member: "pinning".to_string()
        })
    );

    let not_pointer = map_btf(&[("type", Int)]);
    let error = not_pointer.map_defs().unwrap_err();
    assert!(
        matches!(&error, BtfError::BadMapMember { map, member, .. } if map == "m" && member == "type"),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        ".maps: map `m`: member `type`: must be `__uint(type, N)`, a pointer to an array of N \
         elements, not int"
    );

    let disagree = map_btf(&[
        ("type", Uint(1)),
        ("max_entries", Uint(8)),
        ("key", Type(8)),
        ("key_size", Uint(4)),
        ("value", Type(4)),
    ]);
    let error = disagree.map_defs().unwrap_err();
    assert!(
        matches!(&error, BtfError::BadMapMember { member, .. } if member == "key_size"),
        "{error}"
    );

    let twice = map_btf(&[("type", Uint(1)), ("type", Uint(2))]);
    let error = twice.map_defs().unwrap_err();
    assert!(
        matches!(&error, BtfError::BadMapMember { member, .. } if member == "type"),
        "{error}"
    );
}

#[test]
fn malformed_btf_ext_is_an_error() {
    let bytes = fixture("lines.o");
    let sections = find_sections(&bytes).unwrap();
    let btf = Btf::parse(sections.btf).unwrap();
    let ext = sections.ext.unwrap().to_vec();
    assert!(BtfExt::parse(&ext, &btf).is_ok());

    assert!(matches!(
        BtfExt::parse(&ext[..6], &btf),
        Err(BtfError::Truncated {
            section: ".BTF.ext",
            ..
        })
    ));
    // func_info's record size (the first word of the subsection) below the minimum.
    let func_info_off = 32 + u32::from_le_bytes(ext[8..12].try_into().unwrap()) as usize;
    let mut bad = ext.clone();
    bad[func_info_off..func_info_off + 4].copy_from_slice(&4u32.to_le_bytes());
    assert_eq!(
        BtfExt::parse(&bad, &btf),
        Err(BtfError::BadRecordSize {
            subsection: "func_info",
            offset: func_info_off,
            record_size: 4,
            min: 8
        })
    );
    // The first section's record count, absurd.
    let mut bad = ext.clone();
    bad[func_info_off + 8..func_info_off + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let error = BtfExt::parse(&bad, &btf).unwrap_err();
    assert!(
        matches!(&error, BtfError::BadExtSection { subsection: "func_info", section, .. } if section == "exec"),
        "{error}"
    );
}

/// A small deterministic generator (xorshift64*), so the mutation run is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutates a copy of `original`: a few random bytes, or a word set to a boundary value.
fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        if rng.below(2) == 0 {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        } else {
            let at = rng.below(bytes.len() / 4) * 4;
            let len = original.len() as u32;
            let words = [
                0,
                1,
                4,
                0xff,
                0xffff,
                0x7fff_ffff,
                u32::MAX,
                len,
                len / 2,
                rng.next() as u32,
            ];
            let word = words[rng.below(words.len())];
            if at + 4 <= bytes.len() {
                bytes[at..at + 4].copy_from_slice(&word.to_le_bytes());
            }
        }
    }
    bytes
}

/// Asks every query of a parsed BTF; each must return, never panic.
fn exercise(btf: &Btf, ext: Option<&BtfExt>) {
    for (type_id, _) in btf.types() {
        let _ = btf.resolve(type_id);
        let _ = btf.size_of(type_id);
        let _ = btf.type_name(type_id);
        let _ = btf.struct_layout(type_id);
    }
    let _ = btf.map_defs();
    let _ = btf.find_struct("rf_event");
    if let Some(ext) = ext {
        for offset in (0..256).step_by(8) {
            let _ = ext.line_at("exec", offset);
            let _ = ext.line_at(".text", offset);
            let _ = ext.func_at("exec", offset);
        }
        assert!(ext.line_infos().count() < 1 << 20);
    }
}

/// Thousands of truncated and mutated copies of real `.BTF` and `.BTF.ext` sections: each
/// parses or fails with an error, and every query on what parses returns.
#[test]
fn truncated_and_mutated_sections_never_panic() {
    let mut rng = Rng(0x5eed_b7f0_2024_0001);
    let mut n_inputs = 0;
    let mut n_parsed = 0;
    for name in ["layout.o", "maps.o", "lines.o"] {
        let bytes = fixture(name);
        let sections = find_sections(&bytes).unwrap();
        let btf_bytes = sections.btf;
        let ext_bytes = sections.ext.unwrap();
        let btf = Btf::parse(btf_bytes).unwrap();

        for len in 0..btf_bytes.len() {
            n_inputs += 1;
            if let Ok(truncated) = Btf::parse(&btf_bytes[..len]) {
                n_parsed += 1;
                exercise(&truncated, None);
            }
        }
        for len in 0..ext_bytes.len() {
            n_inputs += 1;
            if let Ok(ext) = BtfExt::parse(&ext_bytes[..len], &btf) {
                n_parsed += 1;
                exercise(&btf, Some(&ext));
            }
        }
        for _ in 0..3000 {
            n_inputs += 1;
            let mutated = mutate(&mut rng, btf_bytes);
            if let Ok(mutated_btf) = Btf::parse(&mutated) {
                n_parsed += 1;
                let ext = BtfExt::parse(ext_bytes, &mutated_btf).ok();
                exercise(&mutated_btf, ext.as_ref());
            }
        }
        for _ in 0..2000 {
            n_inputs += 1;
            let mutated = mutate(&mut rng, ext_bytes);
            if let Ok(ext) = BtfExt::parse(&mutated, &btf) {
                n_parsed += 1;
                exercise(&btf, Some(&ext));
            }
        }
    }
    assert!(n_inputs > 10_000, "{n_inputs} inputs");
    // Some mutations land in names or unused bytes and still parse: the queries ran on them.
    assert!(
        n_parsed > 100,
        "only {n_parsed} of {n_inputs} inputs parsed"
    );
}
