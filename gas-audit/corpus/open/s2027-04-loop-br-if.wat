;;    3.89x     2.144 ns/gas  gas   2000000  OutOfGas  [loop br_if] loop br_if reps=6 a=11 b=0 addr=2885 index=2 cond=1 (search: 4.75x; ops: br_if×48 local.get×48 br×8 local.set×7)
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
    (local.set $a32 (i32.const -7))
    (local.set $b32 (i32.const 0))
    (local.set $a64 (i64.const -7))
    (local.set $b64 (i64.const 0))
    (local.set $c (i32.const 1))
    (local.set $p (i32.const 2885))
    (local.set $i (i32.const 2))
    (loop $l
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      
      br $l)))
