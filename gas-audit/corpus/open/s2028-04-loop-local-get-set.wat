;;    3.03x     1.567 ns/gas  gas   2000000  OutOfGas  [loop local.get/set] loop local.get/set reps=6 a=2 b=0 addr=343 index=13 cond=0 (search: 4.67x; ops: local.set×55 local.get×48 br×8 i32.const×5)
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
    (local.set $a32 (i32.const 2))
    (local.set $b32 (i32.const 0))
    (local.set $a64 (i64.const 2))
    (local.set $b64 (i64.const 0))
    (local.set $c (i32.const 0))
    (local.set $p (i32.const 343))
    (local.set $i (i32.const 13))
    (loop $l
      local.get $a32 local.set $c
      local.get $a32 local.set $c
      local.get $a32 local.set $c
      local.get $a32 local.set $c
      local.get $a32 local.set $c
      local.get $a32 local.set $c
      
      br $l)))
