;; finding: as tiny-blocks-br.wat with `br_if` (not taken): a charge per
;; 2-gas block.
;; fix: as tiny-blocks-br.wat (`br_if` 1 -> 2): about 1.9x before, 1.3-1.4x
;; after (benches/benches/search.rs, measured as tiny-blocks-br.wat).
;; pinned-min-gas: 494123
(module
  (type $v (func))
  (memory 1)
  (table $t 16 funcref)
  (func $leaf)
  (func $one_local (local i32))
  (elem (table $t) (i32.const 0) func $leaf)
  
  (func (export "execute")
    (local $n i32) (local $a32 i32) (local $a64 i64) (local $c i32) (local $i i32)
    (local.set $a32 (i32.const 0x5555))
    (local.set $a64 (i64.const 0x5555555555555555))
    (local.set $i (i32.const 75))
    (loop $l
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      block $b local.get $c br_if $b end
      
      (br_if $l (i32.ne (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 10000))))))
