//! The two run-time checks that make the verifier's proof about map values hold for the
//! engines that trust it (the fast interpreter and the JIT): the maps given are the ones the
//! program was verified against ([`check_maps`]), and a helper declared to return a map
//! value returns 0 or the start of a value of the map it was passed ([`MapValueReturns`]).

use ringfence_verifier::{ArgKind, ProgramType, RetKind, VerifiedProgram};

use super::{Maps, ValueRegion};

/// Why maps were refused: they are not the ones the program was verified against, so the
/// verifier's proof says nothing about accesses to them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapsMismatch {
    #[error("the program was verified against {verified} maps, but {given} were given")]
    Count { verified: usize, given: usize },
    #[error(
        "map {map_idx} (`{name}`) has {what} {given}, but the program was verified for \
         {verified}; verify it against the maps it runs with"
    )]
    Def {
        map_idx: usize,
        name: String,
        what: &'static str,
        verified: u64,
        given: u64,
    },
}

/// Checks that `maps` are, index for index, of the key size, value size and program write
/// permission `program` was verified against: what makes the verifier's proof about map
/// values hold for them.
pub fn check_maps(program: &VerifiedProgram, maps: &Maps) -> Result<(), MapsMismatch> {
    let verified = program.maps();
    if verified.len() != maps.len() {
        return Err(MapsMismatch::Count {
            verified: verified.len(),
            given: maps.len(),
        });
    }
    for (map_idx, (want, map)) in verified.iter().zip(maps.iter()).enumerate() {
        let def = map.def();
        let checks = [
            ("key size", want.key_size as u64, def.key_size as u64),
            ("value size", want.value_size as u64, def.value_size as u64),
            (
                "read-only (1) or writable (0) by programs",
                want.read_only as u64,
                !def.writable_by_programs() as u64,
            ),
        ];
        for (what, verified, given) in checks {
            if verified != given {
                return Err(MapsMismatch::Def {
                    map_idx,
                    name: map.name().to_string(),
                    what,
                    verified,
                    given,
                });
            }
        }
    }
    Ok(())
}

/// The check of the results of the helpers a program type declares as returning a map value
/// ([`RetKind::NullableMapValue`], `map_lookup_elem`). The verifier lets the program use a
/// non-zero result as a pointer to a whole value of the map passed as the helper's `Map`
/// argument; helpers are host code, trusted to honour their signatures, and this check keeps
/// one that does not from sending unchecked accesses astray (or into a map other than the
/// program's, whose accesses would not be atomic).
#[derive(Clone, Debug, Default)]
pub(crate) struct MapValueReturns {
    /// (helper number, index of its `Map` argument).
    helpers: Vec<(u64, usize)>,
    /// The value slabs of the program's maps, by index.
    map_values: Vec<ValueRegion>,
}

impl MapValueReturns {
    /// The check for the helpers of `prog_type` returning values of `maps`.
    pub(crate) fn new(prog_type: &ProgramType, maps: &Maps) -> MapValueReturns {
        let helpers = prog_type
            .helpers
            .iter()
            .filter(|(_, sig)| sig.ret == RetKind::NullableMapValue)
            .map(|(&id, sig)| {
                let map_arg = sig.args.iter().position(|kind| *kind == ArgKind::Map);
                // Without a `Map` argument no result can be a valid pointer: an index past
                // the five argument registers makes every non-zero result fail the check.
                (id as u32 as u64, map_arg.unwrap_or(usize::MAX))
            })
            .collect();
        MapValueReturns {
            helpers,
            map_values: maps.iter().map(|map| map.value_region()).collect(),
        }
    }

    /// Whether `value`, returned by helper `id` called with `args`, is what its signature
    /// promises; the reason if not.
    #[inline]
    pub(crate) fn check(&self, id: u64, value: u64, args: &[u64; 5]) -> Result<(), String> {
        let Some(&(_, map_arg)) = self.helpers.iter().find(|(i, _)| *i == id) else {
            return Ok(());
        };
        if value == 0 {
            return Ok(());
        }
        let handle = args.get(map_arg).copied();
        let region = handle
            .and_then(|handle| usize::try_from(handle).ok())
            .and_then(|idx| self.map_values.get(idx));
        let is_value_start = region.is_some_and(|region| {
            let offset = value.wrapping_sub(region.base);
            value >= region.base && offset < region.len && offset % region.stride == 0
        });
        if is_value_start {
            Ok(())
        } else {
            Err(format!(
                "returned {value:#x}, which is neither 0 nor the start of a value of map {}",
                handle.map_or_else(|| "?".to_string(), |h| h.to_string())
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use ringfence_verifier::{ArgKind, HelperSig, ProgramType, RetKind};

    use super::MapValueReturns;
    use crate::maps::{Map, MapDef, Maps};

    #[test]
    fn only_zero_or_the_start_of_a_value_of_the_given_map_passes() {
        let maps = Maps::new([
            Map::new("a", MapDef::array(8, 4)).unwrap(),
            Map::new("b", MapDef::array(16, 2)).unwrap(),
        ]);
        let prog_type = ProgramType::mem(8)
            .with_helper(
                1,
                HelperSig::new(
                    "map_lookup_elem",
                    &[ArgKind::Map, ArgKind::MapKey],
                    RetKind::NullableMapValue,
                ),
            )
            .with_helper(7, HelperSig::new("prandom", &[], RetKind::Scalar))
            .with_helper(9, HelperSig::new("odd", &[], RetKind::NullableMapValue));
        let check = MapValueReturns::new(&prog_type, &maps);
        let (a, b) = (maps.get(0).unwrap(), maps.get(1).unwrap());
        let (a_base, b_base) = (a.value_region().base, b.value_region().base);
        let args = |map: u64| [map, 0, 0, 0, 0];
        assert_eq!(check.check(1, 0, &args(0)), Ok(()));
        assert_eq!(check.check(1, a_base + 3 * 8, &args(0)), Ok(()));
        assert_eq!(check.check(1, b_base + 16, &args(1)), Ok(()));
        // Inside a value, past the slab, a value of another map, no such map.
        for (value, map) in [
            (a_base + 4, 0),
            (a_base + 4 * 8, 0),
            (b_base, 0),
            (a_base, 5),
        ] {
            let error = check.check(1, value, &args(map)).unwrap_err();
            assert!(
                error.contains(&format!("start of a value of map {map}")),
                "{error}"
            );
        }
        // Helpers returning something else are not checked; one without a `Map` argument
        // can return nothing but 0.
        assert_eq!(check.check(7, 12345, &args(0)), Ok(()));
        assert_eq!(check.check(9, 0, &args(0)), Ok(()));
        assert!(check.check(9, a_base, &args(0)).is_err());
    }
}
