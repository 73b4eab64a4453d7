#[test]
fn probe_thunk_order() {
    let wasm = wat::parse_str(
        r#"(module
      (func $a (result i32) i32.const 1)
      (func $b (param i32) (result i32) local.get 0)
      (export "b" (func $b))
      (export "a" (func $a)))"#,
    )
    .unwrap();
    let out = gasworks_vm::instrument(&wasm, &Default::default()).unwrap();
    wasmparser::Validator::new()
        .validate_all(&out.module)
        .unwrap();
    for p in wasmparser::Parser::new(0).parse_all(&out.module) {
        match p.unwrap() {
            wasmparser::Payload::ExportSection(r) => {
                for e in r {
                    println!("{:?}", e.unwrap());
                }
            }
            wasmparser::Payload::FunctionSection(r) => {
                for e in r {
                    println!("func type {:?}", e.unwrap());
                }
            }
            wasmparser::Payload::CodeSectionEntry(b) => {
                let ops: Vec<_> = b
                    .get_operators_reader()
                    .unwrap()
                    .into_iter()
                    .map(|o| format!("{:?}", o.unwrap()))
                    .collect();
                println!("{}", ops.join(" "));
            }
            _ => {}
        }
    }
}
