//! BTF-defined maps: the definition of each variable in the `.maps` data section, read the
//! way libbpf reads it (`parse_btf_map_def`). The variable's type is a struct whose members
//! carry the definition in their types, not in bytes:
//! - `__uint(type, X)`, `__uint(max_entries, X)`, `__uint(map_flags, X)`, `__uint(key_size,
//!   X)`, `__uint(value_size, X)`: `int (*name)[X]`, a pointer to an array of `X` elements;
//! - `__type(key, T)`, `__type(value, T)`: `T *name`, a pointer to the key or value type,
//!   whose size is the key or value size.
//!
//! Required: `type`, `max_entries`, and a key and a value size (from `key`/`key_size`,
//! `value`/`value_size`; given both ways they must agree). Every other member (`pinning`,
//! `values`, `numa_node`, `map_extra`...) is refused by name.
#![forbid(unsafe_code)]

use super::{Btf, BtfError, BtfKind, TypeId};

/// A map's definition from `.maps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BtfMapDef {
    /// The variable's name, which is the map's.
    pub name: String,
    /// `BPF_MAP_TYPE_*` (1 hash, 2 array...).
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    /// `BPF_F_*`; 0 when not given.
    pub map_flags: u32,
    /// The key type when given with `__type(key, T)`.
    pub key_type: Option<TypeId>,
    /// The value type when given with `__type(value, T)`.
    pub value_type: Option<TypeId>,
}

impl Btf {
    /// The definitions of the maps in the `.maps` data section, in its order; none if the
    /// object has no such section.
    pub fn map_defs(&self) -> Result<Vec<BtfMapDef>, BtfError> {
        let datasec = self.types.iter().find_map(|ty| match &ty.kind {
            BtfKind::Datasec { vars, .. } if self.string_bytes(ty.name_off) == Some(b".maps") => {
                Some(vars)
            }
            _ => None,
        });
        let Some(vars) = datasec else {
            return Ok(Vec::new());
        };
        vars.iter().map(|var| self.map_def(var.var)).collect()
    }

    /// The definition of the map declared by the variable `var_id`.
    pub fn map_def(&self, var_id: TypeId) -> Result<BtfMapDef, BtfError> {
        let var = self.type_by_id(var_id)?;
        let name = self.name(var.name_off).into_owned();
        let bad_map = |reason: String| BtfError::BadMap {
            map: if name.is_empty() {
                format!("#{var_id}")
            } else {
                name.clone()
            },
            reason,
        };
        let BtfKind::Var { target, .. } = var.kind else {
            return Err(bad_map(format!(
                "type {var_id} in .maps is a {}, not a VAR",
                var.kind.name()
            )));
        };
        let definition = self.type_by_id(self.resolve(target)?)?;
        let BtfKind::Struct(composite) = &definition.kind else {
            return Err(bad_map(format!(
                "its definition is a {}, not a struct",
                definition.kind.name()
            )));
        };
        let mut fields = Fields::default();
        for member in &composite.members {
            let member_name = self.name(member.name_off).into_owned();
            let bad_member = |reason: String| BtfError::BadMapMember {
                map: name.clone(),
                member: member_name.clone(),
                reason,
            };
            let slot = match member_name.as_str() {
                "type" => &mut fields.map_type,
                "max_entries" => &mut fields.max_entries,
                "map_flags" => &mut fields.map_flags,
                "key_size" => &mut fields.key_size,
                "value_size" => &mut fields.value_size,
                "key" | "value" => {
                    let pointee = self.pointee(member.ty).ok_or_else(|| {
                        bad_member(format!(
                            "must be `__type({member_name}, T)`, a pointer to the {member_name} \
                             type, not {}",
                            self.type_name(member.ty).unwrap_or_default()
                        ))
                    })?;
                    let size = self.size_of(pointee).map_err(|error| {
                        bad_member(format!("the {member_name} type has no size: {error}"))
                    })?;
                    let slot = if member_name == "key" {
                        &mut fields.key
                    } else {
                        &mut fields.value
                    };
                    if slot.replace((pointee, size)).is_some() {
                        return Err(bad_member("is given twice".to_string()));
                    }
                    continue;
                }
                _ => {
                    return Err(BtfError::UnknownMapMember {
                        map: name.clone(),
                        member: member_name,
                    })
                }
            };
            let value = self
                .pointee(member.ty)
                .and_then(|array| self.resolve(array).ok())
                .and_then(|array| match self.types.get(array.0 as usize)?.kind {
                    BtfKind::Array { n_elems, .. } => Some(n_elems),
                    _ => None,
                })
                .ok_or_else(|| {
                    bad_member(format!(
                        "must be `__uint({member_name}, N)`, a pointer to an array of N \
                         elements, not {}",
                        self.type_name(member.ty).unwrap_or_default()
                    ))
                })?;
            if slot.replace(value).is_some() {
                return Err(bad_member("is given twice".to_string()));
            }
        }
        let missing = |member| BtfError::MissingMapMember {
            map: name.clone(),
            member,
        };
        let key_size = self.agree(&name, "key", fields.key, fields.key_size)?;
        let value_size = self.agree(&name, "value", fields.value, fields.value_size)?;
        Ok(BtfMapDef {
            name: name.clone(),
            map_type: fields.map_type.ok_or_else(|| missing("type"))?,
            key_size: key_size.ok_or_else(|| missing("key"))?,
            value_size: value_size.ok_or_else(|| missing("value"))?,
            max_entries: fields.max_entries.ok_or_else(|| missing("max_entries"))?,
            map_flags: fields.map_flags.unwrap_or(0),
            key_type: fields.key.map(|(type_id, _)| type_id),
            value_type: fields.value.map(|(type_id, _)| type_id),
        })
    }

    /// The type a pointer (through typedefs and modifiers) points to, as declared.
    fn pointee(&self, type_id: TypeId) -> Option<TypeId> {
        let pointer = self.resolve(type_id).ok()?;
        match self.types.get(pointer.0 as usize)?.kind {
            BtfKind::Ptr { target } => Some(target),
            _ => None,
        }
    }

    /// The key (or value) size from `__type` and from `__uint(key_size)`, which must agree
    /// when both are given.
    fn agree(
        &self,
        map: &str,
        what: &str,
        typed: Option<(TypeId, u32)>,
        sized: Option<u32>,
    ) -> Result<Option<u32>, BtfError> {
        match (typed, sized) {
            (Some((type_id, from_type)), Some(given)) if from_type != given => {
                Err(BtfError::BadMapMember {
                    map: map.to_string(),
                    member: format!("{what}_size"),
                    reason: format!(
                        "{given} disagrees with the {from_type}-byte {what} type {}",
                        self.type_name(type_id).unwrap_or_default()
                    ),
                })
            }
            (Some((_, size)), _) | (None, Some(size)) => Ok(Some(size)),
            (None, None) => Ok(None),
        }
    }
}

/// The members of a map definition seen so far.
#[derive(Default)]
struct Fields {
    map_type: Option<u32>,
    max_entries: Option<u32>,
    map_flags: Option<u32>,
    key_size: Option<u32>,
    value_size: Option<u32>,
    key: Option<(TypeId, u32)>,
    value: Option<(TypeId, u32)>,
}
