//! Printing types the way C declares them: a declarator is built inside out, pointers
//! prefixing `*`, arrays and prototypes suffixing `[N]` and `(...)`, with parentheses where
//! a pointer meets an array or a prototype (`int (*)[3]`, `int (*)(int, const char *)`).
//!
//! Bounded: recursion follows only the edges parsing checked to be at most
//! [`MAX_DEPTH`](super::MAX_DEPTH) deep, and at most [`BUDGET`] types are visited per name
//! (a prototype's parameters fan out); past the budget the rest prints as `...`.
#![forbid(unsafe_code)]

use super::{Btf, BtfKind, TypeId};

/// The most types visited to print one name.
const BUDGET: usize = 256;

pub(super) fn type_name(btf: &Btf, type_id: TypeId) -> String {
    let mut printer = Printer {
        btf,
        budget: BUDGET,
    };
    printer.declare(type_id, String::new())
}

struct Printer<'a> {
    btf: &'a Btf,
    budget: usize,
}

impl Printer<'_> {
    /// The type `type_id` with the declarator `inner` (empty for an abstract declarator).
    fn declare(&mut self, type_id: TypeId, inner: String) -> String {
        if self.budget == 0 {
            return join("...", inner);
        }
        self.budget -= 1;
        let Some(ty) = self.btf.types.get(type_id.0 as usize) else {
            return join("?", inner);
        };
        let name = self.btf.name(ty.name_off);
        let tagged = |tag: &str| {
            if name.is_empty() {
                format!("{tag} {{...}}")
            } else {
                format!("{tag} {name}")
            }
        };
        match &ty.kind {
            BtfKind::Void => join("void", inner),
            BtfKind::Int { .. }
            | BtfKind::Float { .. }
            | BtfKind::Typedef { .. }
            | BtfKind::Datasec { .. } => join(&name, inner),
            BtfKind::Struct(_) | BtfKind::Fwd { is_union: false } => join(&tagged("struct"), inner),
            BtfKind::Union(_) | BtfKind::Fwd { is_union: true } => join(&tagged("union"), inner),
            BtfKind::Enum(_) | BtfKind::Enum64(_) => join(&tagged("enum"), inner),
            BtfKind::Ptr { target } => self.declare(*target, format!("*{inner}")),
            BtfKind::Const { target } => self.qualify("const", *target, inner),
            BtfKind::Volatile { target } => self.qualify("volatile", *target, inner),
            BtfKind::Restrict { target } => self.qualify("restrict", *target, inner),
            BtfKind::TypeTag { target } | BtfKind::DeclTag { target, .. } => {
                self.declare(*target, inner)
            }
            BtfKind::Array { elem, n_elems, .. } => {
                let inner = parenthesize(inner);
                self.declare(*elem, format!("{inner}[{n_elems}]"))
            }
            BtfKind::FuncProto { ret, params } => {
                let mut list = Vec::with_capacity(params.len().min(BUDGET));
                for (i, param) in params.iter().enumerate() {
                    if self.budget == 0 {
                        list.push("...".to_string());
                        break;
                    }
                    if i + 1 == params.len() && param.ty == TypeId::VOID && param.name_off == 0 {
                        list.push("...".to_string());
                    } else {
                        list.push(self.declare(param.ty, String::new()));
                    }
                }
                let list = if list.is_empty() {
                    "void".to_string()
                } else {
                    list.join(", ")
                };
                let inner = parenthesize(inner);
                self.declare(*ret, format!("{inner}({list})"))
            }
            BtfKind::Func { proto, .. } => self.declare(*proto, join(&name, inner)),
            BtfKind::Var { target, .. } => self.declare(*target, join(&name, inner)),
        }
    }

    /// A qualifier binds to a pointer from the right (`char *const`), to anything else
    /// from the left (`const char`).
    fn qualify(&mut self, qualifier: &str, target: TypeId, inner: String) -> String {
        let is_pointer = matches!(
            self.btf.types.get(target.0 as usize).map(|ty| &ty.kind),
            Some(BtfKind::Ptr { .. })
        );
        if is_pointer {
            self.declare(target, join(qualifier, inner))
        } else {
            format!("{qualifier} {}", self.declare(target, inner))
        }
    }
}

/// `base` followed by the declarator `inner`: no space before an array suffix.
fn join(base: &str, inner: String) -> String {
    if inner.is_empty() {
        base.to_string()
    } else if inner.starts_with('[') {
        format!("{base}{inner}")
    } else {
        format!("{base} {inner}")
    }
}

/// A pointer declarator gets parentheses before an array or parameter list binds to it.
fn parenthesize(inner: String) -> String {
    if inner.starts_with('*') {
        format!("({inner})")
    } else {
        inner
    }
}
