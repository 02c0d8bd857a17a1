//! Linking: cutting programs out of their sections, appending the subprograms they call, and
//! applying relocations.

use std::collections::HashMap;

use goblin::elf::sym::{STB_GLOBAL, STT_FUNC, STT_OBJECT, STT_SECTION};
use goblin::elf::Elf;
use ringfence_isa::{decode::decode_slots, Slot};

use super::{ElfProgram, LoadError, MapSymbol, MapSymbolKind, Object, SectionKind, Sections};

/// `R_BPF_64_64`: a 64-bit immediate (`lddw`) referring to a symbol.
const R_BPF_64_64: u32 = 1;
/// `R_BPF_64_ABS64`, `R_BPF_64_ABS32`, `R_BPF_64_NODYLD32`: data relocations (debug info,
/// BTF); meaningless for the code and ignored outside it.
const R_BPF_DATA: [u32; 3] = [2, 3, 4];
/// `R_BPF_64_32`: a call's 32-bit immediate referring to a function.
const R_BPF_64_32: u32 = 10;

const OPCODE_LDDW: u8 = 0x18;
const OPCODE_CALL: u8 = 0x85;
/// `src` of a call to a local function.
const PSEUDO_CALL: u8 = 1;
const PSEUDO_MAP_FD: u8 = 1;
const PSEUDO_MAP_VALUE: u8 = 2;
/// Size of `struct bpf_map_def` in the legacy `maps` section.
const LEGACY_MAP_DEF_SIZE: usize = 20;
/// The largest global-data section (`.rodata`, `.data`, `.bss`) an object may have.
const MAX_GLOBAL_DATA: u64 = 16 << 20;

/// A symbol, with its name resolved.
#[derive(Clone, Debug)]
struct Symbol {
    name: String,
    section: usize,
    value: u64,
    size: u64,
    kind: u8,
    global: bool,
}

/// A relocation of one section.
#[derive(Clone, Copy, Debug)]
struct Reloc {
    /// The section the relocation applies to.
    section: usize,
    index: usize,
    offset: u64,
    symbol: usize,
    kind: u32,
}

pub(super) fn link(elf: &Elf<'_>, sections: &Sections<'_>) -> Result<Object, LoadError> {
    let symbols = read_symbols(elf, sections)?;
    let relocs = read_relocs(elf, sections)?;
    let (maps, map_of_symbol, map_of_section) = collect_maps(sections, &symbols)?;
    let linker = Linker {
        sections,
        symbols: &symbols,
        relocs: &relocs,
        map_of_symbol,
        map_of_section,
    };
    let mut programs = Vec::new();
    for (start, end, section, name) in program_ranges(sections, &symbols)? {
        programs.push(linker.link_program(section, start, end, name)?);
    }
    if programs.is_empty() {
        return Err(LoadError::NoPrograms);
    }
    Ok(Object { programs, maps })
}

fn read_symbols(elf: &Elf<'_>, sections: &Sections<'_>) -> Result<Vec<Symbol>, LoadError> {
    let mut symbols = Vec::with_capacity(elf.syms.len());
    for (index, sym) in elf.syms.iter().enumerate() {
        let name = elf
            .strtab
            .get_at(sym.st_name)
            .unwrap_or_default()
            .to_string();
        if sym.st_shndx != 0 && sym.st_shndx < 0xff00 && sections.get(sym.st_shndx).is_none() {
            return Err(LoadError::BadSymbol {
                index,
                name,
                message: format!("it names section {}, which does not exist", sym.st_shndx),
            });
        }
        symbols.push(Symbol {
            name,
            section: sym.st_shndx,
            value: sym.st_value,
            size: sym.st_size,
            kind: sym.st_type(),
            global: sym.st_bind() == STB_GLOBAL,
        });
    }
    Ok(symbols)
}

fn read_relocs(
    elf: &Elf<'_>,
    sections: &Sections<'_>,
) -> Result<HashMap<usize, Vec<Reloc>>, LoadError> {
    let mut relocs: HashMap<usize, Vec<Reloc>> = HashMap::new();
    for (rel_index, rel_section) in &elf.shdr_relocs {
        let header = &elf.section_headers[*rel_index];
        let target = header.sh_info as usize;
        let rel_name = sections
            .get(*rel_index)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        if sections.get(target).is_none() {
            return Err(LoadError::BadSection {
                section: rel_name,
                message: format!("it relocates section {target}, which does not exist"),
            });
        }
        for (index, reloc) in rel_section.iter().enumerate() {
            if reloc.r_sym >= elf.syms.len() {
                return Err(LoadError::BadRelocation {
                    section: rel_name,
                    index,
                    message: format!(
                        "symbol {} does not exist (the symbol table has {})",
                        reloc.r_sym,
                        elf.syms.len()
                    ),
                });
            }
            relocs.entry(target).or_default().push(Reloc {
                section: target,
                index,
                offset: reloc.r_offset,
                symbol: reloc.r_sym,
                kind: reloc.r_type,
            });
        }
    }
    Ok(relocs)
}

type MapIndexes = (Vec<MapSymbol>, HashMap<usize, usize>, HashMap<usize, usize>);

/// The maps, by symbol for declared maps and by section for global data.
fn collect_maps(sections: &Sections<'_>, symbols: &[Symbol]) -> Result<MapIndexes, LoadError> {
    let mut maps = Vec::new();
    let mut by_symbol = HashMap::new();
    let mut declared: Vec<(usize, &Symbol)> = symbols
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == STT_OBJECT)
        .filter(|(_, s)| {
            sections
                .get(s.section)
                .is_some_and(|sec| matches!(sec.kind, SectionKind::Maps | SectionKind::LegacyMaps))
        })
        .collect();
    declared.sort_by_key(|(_, s)| (s.section, s.value));
    for (symbol_index, symbol) in declared {
        let section = sections
            .get(symbol.section)
            .expect("checked in read_symbols");
        let kind = if section.kind == SectionKind::Maps {
            MapSymbolKind::Btf {
                offset: symbol.value,
                size: symbol.size,
            }
        } else {
            let start = symbol.value as usize;
            let def = section
                .bytes
                .get(start..start.saturating_add(LEGACY_MAP_DEF_SIZE))
                .ok_or_else(|| LoadError::BadSection {
                    section: section.name.clone(),
                    message: format!(
                        "map `{}` at offset {start} needs {LEGACY_MAP_DEF_SIZE} bytes of \
                         struct bpf_map_def, but the section has {}",
                        symbol.name,
                        section.bytes.len()
                    ),
                })?;
            let word = |i: usize| u32::from_le_bytes([def[i], def[i + 1], def[i + 2], def[i + 3]]);
            MapSymbolKind::Legacy {
                map_type: word(0),
                key_size: word(4),
                value_size: word(8),
                max_entries: word(12),
                flags: word(16),
            }
        };
        by_symbol.insert(symbol_index, maps.len());
        maps.push(MapSymbol {
            name: symbol.name.clone(),
            kind,
        });
    }
    let mut by_section = HashMap::new();
    for section in &sections.list {
        let read_only = match section.kind {
            SectionKind::ReadOnlyData => true,
            SectionKind::Data | SectionKind::Bss => false,
            _ => continue,
        };
        if section.size > MAX_GLOBAL_DATA {
            return Err(LoadError::BadSection {
                section: section.name.clone(),
                message: format!(
                    "{} bytes of global data is more than the limit of {MAX_GLOBAL_DATA} bytes",
                    section.size
                ),
            });
        }
        let bytes = if section.kind == SectionKind::Bss {
            vec![0; section.size as usize]
        } else {
            section.bytes.to_vec()
        };
        by_section.insert(section.index, maps.len());
        maps.push(MapSymbol {
            name: section.name.clone(),
            kind: MapSymbolKind::GlobalData { read_only, bytes },
        });
    }
    Ok((maps, by_symbol, by_section))
}

/// The programs: (first slot, end slot, section index, name).
fn program_ranges(
    sections: &Sections<'_>,
    symbols: &[Symbol],
) -> Result<Vec<(usize, usize, usize, String)>, LoadError> {
    let code: Vec<_> = sections
        .list
        .iter()
        .filter(|s| s.kind == SectionKind::Code)
        .collect();
    for section in &code {
        if section.bytes.len() % 8 != 0 {
            return Err(LoadError::BadSection {
                section: section.name.clone(),
                message: format!(
                    "its {} bytes are not a whole number of 8-byte instructions",
                    section.bytes.len()
                ),
            });
        }
    }
    let mut ranges = Vec::new();
    let has_programs = code
        .iter()
        .any(|s| s.name != ".text" && !s.bytes.is_empty());
    for section in code {
        let n_slots = section.bytes.len() / 8;
        if n_slots == 0 {
            continue;
        }
        if section.name == ".text" {
            if has_programs {
                continue;
            }
            // Only `.text`: one program, at `main` or at the start.
            let main = symbols
                .iter()
                .find(|s| s.section == section.index && s.kind == STT_FUNC && s.name == "main");
            let (start, end, name) = match main {
                Some(m) => (
                    m.value as usize / 8,
                    (m.value + m.size) as usize / 8,
                    m.name.clone(),
                ),
                None => (0, n_slots, section.name.clone()),
            };
            let end = if end <= start {
                n_slots
            } else {
                end.min(n_slots)
            };
            ranges.push((start.min(n_slots), end, section.index, name));
            continue;
        }
        let mut functions: Vec<&Symbol> = symbols
            .iter()
            .filter(|s| s.section == section.index && s.kind == STT_FUNC && s.global)
            .collect();
        functions.sort_by_key(|s| s.value);
        if functions.is_empty() {
            ranges.push((0, n_slots, section.index, section.name.clone()));
        }
        for function in functions {
            let start = function.value as usize / 8;
            let end = ((function.value + function.size) as usize / 8).min(n_slots);
            if function.value % 8 != 0 || start >= end {
                return Err(LoadError::BadSymbol {
                    index: 0,
                    name: function.name.clone(),
                    message: format!(
                        "function at offset {} with size {} is not a whole range of \
                         instructions inside section {} ({} bytes)",
                        function.value,
                        function.size,
                        section.name,
                        section.bytes.len()
                    ),
                });
            }
            ranges.push((start, end, section.index, function.name.clone()));
        }
    }
    Ok(ranges)
}

/// Everything linking one program needs.
struct Linker<'a> {
    sections: &'a Sections<'a>,
    symbols: &'a [Symbol],
    relocs: &'a HashMap<usize, Vec<Reloc>>,
    map_of_symbol: HashMap<usize, usize>,
    map_of_section: HashMap<usize, usize>,
}

/// A run of slots copied from a section into the program.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    section: usize,
    /// First and end slot in the section.
    start: usize,
    end: usize,
    /// Where the chunk starts in the program.
    base: usize,
}

impl Linker<'_> {
    fn link_program(
        &self,
        section: usize,
        start: usize,
        end: usize,
        name: String,
    ) -> Result<ElfProgram, LoadError> {
        let chunks = self.plan_chunks(Chunk {
            section,
            start,
            end,
            base: 0,
        });
        let mut slots: Vec<Slot> = Vec::new();
        let mut origins = Vec::new();
        for chunk in &chunks {
            self.place(*chunk, &mut slots, &mut origins);
        }
        for chunk in &chunks {
            self.relocate_chunk(*chunk, &chunks, &mut slots)?;
        }
        let insns = decode_slots(&slots).map_err(|source| {
            let (section, offset) = source
                .index()
                .and_then(|i| origins.get(i).cloned())
                .unwrap_or_else(|| (String::new(), 0));
            LoadError::Decode {
                section,
                offset,
                source,
            }
        })?;
        let section_name = self.section_name(section);
        Ok(ElfProgram {
            name,
            section: section_name,
            insns,
            origins,
        })
    }

    /// The program's own chunk, then every section its calls reach outside their chunk,
    /// appended whole, transitively; each with its base in the linked program.
    fn plan_chunks(&self, first: Chunk) -> Vec<Chunk> {
        let mut chunks = vec![first];
        let mut base = first.end - first.start;
        let mut next = 0;
        while next < chunks.len() {
            let chunk = chunks[next];
            next += 1;
            for reloc in self.relocs_in(chunk) {
                let symbol = &self.symbols[reloc.symbol];
                if reloc.kind != R_BPF_64_32 {
                    continue;
                }
                let Some(target) = self.call_target(reloc) else {
                    continue;
                };
                let in_chunk = symbol.section == chunk.section
                    && target >= chunk.start as i64
                    && target < chunk.end as i64;
                let whole = chunks
                    .iter()
                    .any(|c| c.section == symbol.section && c.start == 0);
                if in_chunk || whole {
                    continue;
                }
                let n = self
                    .sections
                    .get(symbol.section)
                    .map_or(0, |s| s.bytes.len() / 8);
                chunks.push(Chunk {
                    section: symbol.section,
                    start: 0,
                    end: n,
                    base,
                });
                base += n;
            }
        }
        chunks
    }

    /// The relocations whose offset falls inside `chunk`.
    fn relocs_in(&self, chunk: Chunk) -> impl Iterator<Item = &Reloc> + '_ {
        self.relocs
            .get(&chunk.section)
            .into_iter()
            .flatten()
            .filter(move |r| {
                let slot = (r.offset / 8) as usize;
                r.offset % 8 == 0 && slot >= chunk.start && slot < chunk.end
            })
    }

    /// The slot, in the target's section, a call relocation leads to.
    fn call_target(&self, reloc: &Reloc) -> Option<i64> {
        let symbol = &self.symbols[reloc.symbol];
        let at = reloc.offset as usize;
        let bytes = self.sections.get(reloc.section)?.bytes.get(at..at + 8)?;
        let slot = Slot::from_bytes(bytes.try_into().ok()?);
        let sym_slot = if symbol.kind == STT_SECTION {
            0
        } else {
            symbol.value as i64 / 8
        };
        Some(sym_slot + slot.imm as i64 + 1)
    }

    fn section_name(&self, index: usize) -> String {
        self.sections
            .get(index)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    /// Copies the chunk's slots to the end of the program.
    fn place(&self, chunk: Chunk, slots: &mut Vec<Slot>, origins: &mut Vec<(String, u64)>) {
        let name = self.section_name(chunk.section);
        if let Some(s) = self.sections.get(chunk.section) {
            for slot_idx in chunk.start..chunk.end {
                let at = slot_idx * 8;
                if let Some(bytes) = s.bytes.get(at..at + 8) {
                    slots.push(Slot::from_bytes(bytes.try_into().expect("8 bytes")));
                    origins.push((name.clone(), at as u64));
                }
            }
        }
    }

    /// Applies the relocations that fall inside `chunk`, and checks its unrelocated local
    /// calls stay inside it. `chunks` is every chunk of the program.
    fn relocate_chunk(
        &self,
        chunk: Chunk,
        chunks: &[Chunk],
        slots: &mut [Slot],
    ) -> Result<(), LoadError> {
        let section_name = self.section_name(chunk.section);
        let mut relocated = std::collections::HashSet::new();
        for reloc in self.relocs_in(chunk) {
            let slot_in_section = (reloc.offset / 8) as usize;
            let at = chunk.base + slot_in_section - chunk.start;
            relocated.insert(at);
            let bad = |message: String| LoadError::BadRelocation {
                section: format!(".rel{section_name}"),
                index: reloc.index,
                message,
            };
            let symbol = &self.symbols[reloc.symbol];
            match reloc.kind {
                R_BPF_64_64 => {
                    if slots[at].opcode != OPCODE_LDDW || at + 1 >= slots.len() {
                        return Err(bad(format!(
                            "R_BPF_64_64 at offset {} does not point at an lddw instruction",
                            reloc.offset
                        )));
                    }
                    if let Some(&map) = self.map_of_symbol.get(&reloc.symbol) {
                        slots[at].src = PSEUDO_MAP_FD;
                        slots[at].imm = map as i32;
                    } else if let Some(&map) = self.map_of_section.get(&symbol.section) {
                        let offset = symbol.value as i64 + slots[at].imm as i64;
                        slots[at].src = PSEUDO_MAP_VALUE;
                        slots[at].imm = map as i32;
                        slots[at + 1].imm = i32::try_from(offset).map_err(|_| {
                            bad(format!(
                                "offset {offset} into `{}` is too large",
                                symbol.name
                            ))
                        })?;
                    } else if symbol.section == 0 {
                        return Err(bad(format!(
                            "`{}` is an undefined (extern) symbol; ringfence has no kernel \
                             symbols or externs to resolve it against",
                            symbol.name
                        )));
                    } else {
                        return Err(bad(format!(
                            "`{}` in section {} is neither a map nor global data (.rodata, \
                             .data, .bss); function pointers are not supported",
                            symbol.name,
                            self.section_name(symbol.section)
                        )));
                    }
                }
                R_BPF_64_32 => {
                    if slots[at].opcode != OPCODE_CALL || slots[at].src != PSEUDO_CALL {
                        return Err(bad(format!(
                            "R_BPF_64_32 at offset {} does not point at a local call",
                            reloc.offset
                        )));
                    }
                    let target_section = symbol.section;
                    let target_exec = self
                        .sections
                        .get(target_section)
                        .is_some_and(|s| s.kind == SectionKind::Code);
                    if !target_exec {
                        return Err(bad(format!(
                            "the call targets `{}`, which is not code",
                            symbol.name
                        )));
                    }
                    let sym_slot = if symbol.kind == STT_SECTION {
                        0
                    } else {
                        symbol.value as i64 / 8
                    };
                    let target = sym_slot + slots[at].imm as i64 + 1;
                    let in_chunk = target_section == chunk.section
                        && target >= chunk.start as i64
                        && target < chunk.end as i64;
                    let placed = if in_chunk {
                        chunk
                    } else {
                        *chunks
                            .iter()
                            .find(|c| c.section == target_section && c.start == 0)
                            .expect("plan_chunks appended every section calls reach")
                    };
                    let n_target = self
                        .sections
                        .get(target_section)
                        .map_or(0, |s| s.bytes.len() / 8);
                    if target < 0 || target as usize >= n_target {
                        return Err(bad(format!(
                            "the call targets instruction {target} of {}, which has {n_target}",
                            self.section_name(target_section)
                        )));
                    }
                    let new_target = placed.base as i64 + target - placed.start as i64;
                    slots[at].imm = (new_target - at as i64 - 1) as i32;
                }
                kind if R_BPF_DATA.contains(&kind) => {
                    return Err(bad(format!(
                        "data relocation type {kind} applies to code at offset {}",
                        reloc.offset
                    )));
                }
                kind => {
                    return Err(bad(format!(
                        "unknown relocation type {kind} (ringfence knows R_BPF_64_64 and \
                         R_BPF_64_32 in code)"
                    )));
                }
            }
        }
        // Local calls clang resolved itself must stay inside the chunk.
        let n_chunk = chunk.end - chunk.start;
        for (at, slot) in slots.iter().enumerate().skip(chunk.base).take(n_chunk) {
            if slot.opcode == OPCODE_CALL && slot.src == PSEUDO_CALL && !relocated.contains(&at) {
                let target = at as i64 + slot.imm as i64 + 1;
                let inside = target >= chunk.base as i64 && target < (chunk.base + n_chunk) as i64;
                if !inside {
                    return Err(LoadError::BadSection {
                        section: section_name.clone(),
                        message: format!(
                            "the local call at offset {} leaves its function without a \
                             relocation",
                            (chunk.start + at - chunk.base) * 8
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}
