//! Proves, before a BPF program may run, that every memory access is in bounds, that nothing
//! uninitialised is read, and that the program terminates within a stated bound.
#![forbid(unsafe_code)]

pub mod domain;
