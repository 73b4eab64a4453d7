;;    3.58x     1.973 ns/gas  gas   2000000  OutOfGas  [loop call] loop call reps=2 a=6 b=1 addr=2883 index=1 cond=1 (search: 6.31x; ops: call×16 br×8 local.set×7 i32.const×5)
(module
  (type $v (func))
  (memory 1)
  (table $t 16 funcref)
  (global $g (mut i64) (i64.const 1))
  (func $leaf)
  (elem (table $t) (i32.const 0) func $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf )
  (elem $e func $leaf)
  (data $d "gasworks")
  (func (export "execute")
    (local $a32 i32) (local $b32 i32) (local $a64 i64) (local $b64 i64)
    (local $c i32) (local $p i32) (local $i i32)
    (local.set $a32 (i32.const 0))
    (local.set $b32 (i32.const 1))
    (local.set $a64 (i64.const -9223372036854775808))
    (local.set $b64 (i64.const 1))
    (local.set $c (i32.const 1))
    (local.set $p (i32.const 2883))
    (local.set $i (i32.const 1))
    (loop $l
      call $leaf
      call $leaf
      
      br $l)))
