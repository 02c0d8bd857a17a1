//! Code shared by the root integration tests.
#![allow(dead_code)]

pub mod gen;
