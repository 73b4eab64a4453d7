;;    3.11x     1.716 ns/gas  gas   2000000  OutOfGas  [call-chain] call-chain depth=1 params=12 locals=5 (search: 4.30x; ops: i32.const×96 br×8 call×8)
(module
  (func $f0 (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (local i64 i64 i64 i64 i64) )
  (func (export "execute")
    (loop $l
      (call $f0 (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 1))
      br $l)))
