;;    3.34x     1.816 ns/gas  gas   2000000  OutOfGas  [loop if] loop if reps=20 a=10 b=10 addr=0 index=14 cond=0 (search: 9.10x; ops: if×160 local.get×160 br×8 local.set×7)
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
    (local.set $a32 (i32.const -539222987))
    (local.set $b32 (i32.const -539222987))
    (local.set $a64 (i64.const 12345678901))
    (local.set $b64 (i64.const 12345678901))
    (local.set $c (i32.const 0))
    (local.set $p (i32.const 0))
    (local.set $i (i32.const 14))
    (loop $l
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      local.get $c if end
      
      br $l)))
