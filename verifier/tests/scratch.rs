use ringfence_isa::assemble;
use ringfence_verifier::*;
#[test]
fn scratch() {
    for name in std::env::var("CASES").unwrap().split(',') {
        let path = format!("{}/tests/cases/{name}.s", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let mem: u64 = text.lines().find_map(|l| l.strip_prefix("# mem-len: ")).map_or(0, |v| v.parse().unwrap());
        let prog = assemble(name, &text).unwrap();
        let t = if text.contains("# type: event") {
            let layout = ContextLayout::new(32)
                .field("pid", 0, 4, Access::Read)
                .field("uid", 4, 4, Access::Read)
                .field("verdict", 8, 8, Access::ReadWrite)
                .data_area(16, 24, 256);
            ProgramType::with_context("event", layout, ReturnRange { min: 0, max: 1 })
        } else {
            ProgramType::mem(mem).with_helper(5, HelperSig::new("unwind", &[ArgKind::Scalar], RetKind::Scalar))
        };
        match verify(&prog.insns, &t, &VerifierConfig::default()) {
            Ok(v) => println!("{name}: accept {}", v.worst_case_insns()),
            Err(e) => println!("{name}:\n{e}"),
        }
    }
}
