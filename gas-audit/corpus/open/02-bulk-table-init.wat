;;    6.19x     3.364 ns/gas  gas   2000000  OutOfGas  [bulk table.init] bulk table.init n=1 segment=82 src=2 dst=472 pages=4 table=4730 (search: 8.52x; ops: i32.const×24 br×8 table.init×8)
(module
  (memory 4)
  (table $t 4730 funcref)
  (func $leaf)
  (elem declare func $leaf)
  (elem $e func $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf $leaf )
  (func (export "execute")
    (loop $l
      (table.init $t $e (i32.const 472) (i32.const 2) (i32.const 1))
      br $l)))
