;;    4.63x     2.390 ns/gas  gas   2000000  OutOfGas  [loop table.size] loop table.size reps=6 a=1 b=5 addr=15405 index=15 cond=0 (search: 8.90x; ops: drop×48 table.size×48 br×8 local.set×7)
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
    (local.set $a32 (i32.const 1))
    (local.set $b32 (i32.const -1))
    (local.set $a64 (i64.const 1))
    (local.set $b64 (i64.const -1))
    (local.set $c (i32.const 0))
    (local.set $p (i32.const 15405))
    (local.set $i (i32.const 15))
    (loop $l
      table.size $t drop
      table.size $t drop
      table.size $t drop
      table.size $t drop
      table.size $t drop
      table.size $t drop
      
      br $l)))
