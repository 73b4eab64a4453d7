;;    3.33x     1.811 ns/gas  gas   2000000  OutOfGas  [bulk memory.grow] bulk memory.grow n=1 segment=195374 src=104 dst=975687 pages=458 table=2499 (search: 25.24x; ops: br×8 drop×8 i32.const×8 memory.grow×8)
(module
  (memory 458)
  (table $t 2499 funcref)
  (func $leaf)
  (elem declare func $leaf)
  
  (func (export "execute")
    (loop $l
      (drop (memory.grow (i32.const 1)))
      br $l)))
