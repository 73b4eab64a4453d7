;;    3.08x     1.591 ns/gas  gas   2000000  OutOfGas  [call-chain] call-chain depth=1 params=14 locals=0 (search: 5.06x; ops: i32.const×112 br×8 call×8)
(module
  (func $f0 (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)  )
  (func (export "execute")
    (loop $l
      (call $f0 (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1))
      br $l)))
