fn main() {
    let path = std::env::args().nth(1).unwrap();
    let wasm = std::fs::read(path).unwrap();
    let inst = gasworks_vm::instrument(&wasm, &gasworks_vm::InstrumentConfig::default()).unwrap();
    let module = gasworks_vm::engine::Module::new(&inst.module).unwrap();
    module.dump();
}
