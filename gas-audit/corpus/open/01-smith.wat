;;    6.31x     3.429 ns/gas  gas   2000000  OutOfGas  [smith] smith config_seed=0x3d78d9ddfd51f409 entropy=2856 bytes (search: 8.21x; ops: global.get×179178 global.set×146327 drop×94380 i32.const×90898)
(module
  (type (;0;) (func (param i32 i32 i32 i32) (result i32)))
  (type (;1;) (func (param i32 i32 i32 i32)))
  (type (;2;) (func (param i32 i32)))
  (type (;3;) (func (param i32 i32) (result i32)))
  (type (;4;) (func (param i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (type (;5;) (func (param i32)))
  (type (;6;) (func (result i64)))
  (type (;7;) (func (param i32 i32 i32 i64) (result i32)))
  (type (;8;) (func (param i32 i32 i32)))
  (type (;9;) (func (param i32 i32 i32 i32 i32 i32) (result i32)))
  (type (;10;) (func))
  (import "host" "storage_scan" (func (;0;) (type 4)))
  (import "host" "emit_event" (func (;1;) (type 1)))
  (import "host" "caller" (func (;2;) (type 5)))
  (import "host" "address" (func (;3;) (type 5)))
  (import "host" "block_height" (func (;4;) (type 6)))
  (import "host" "gas_left" (func (;5;) (type 6)))
  (import "host" "abort" (func (;6;) (type 2)))
  (import "host" "log" (func (;7;) (type 2)))
  (import "host" "sha256" (func (;8;) (type 8)))
  (table (;0;) 0 444 externref)
  (table (;1;) 0 externref)
  (global (;0;) (mut externref) ref.null extern)
  (global (;1;) (mut i64) i64.const 0)
  (global (;2;) (mut i32) i32.const 0)
  (export "execute" (func 12))
  (elem (;0;) (table 0) (i32.const 0) externref)
  (elem (;1;) externref)
  (elem (;2;) externref)
  (elem (;3;) (table 0) (i32.const 0) externref)
  (func (;9;) (type 4) (param i32 i32 i32 i32 i32 i32 i32) (result i64)
    (local i64 i32 i64)
    call 12
    global.get 0
    elem.drop 3
    global.set 0
    local.get 2
    table.size 1
    i32.lt_s
    i32.extend8_s
    global.get 0
    ref.null extern
    global.set 0
    global.get 0
    loop (type 6) (result i64) ;; label = @1
      i64.const -3156728130386941946
      i64.extend8_s
      br 1
      table.size 1
      block ;; label = @2
        global.get 0
        global.set 0
        nop
        local.get 4
        loop (type 6) (result i64) ;; label = @3
          i64.const -131073
        end
        global.get 1
        i64.xor
        global.set 1
        global.get 2
        i32.xor
        global.set 2
      end
      global.get 2
      i32.xor
      global.set 2
      i64.const 2308166578811264
    end
    global.get 1
    i64.xor
    global.set 1
    drop
    drop
    global.get 2
    i32.xor
    global.set 2
    i64.const 8767175650149945413
  )
  (func (;10;) (type 4) (param i32 i32 i32 i32 i32 i32 i32) (result i64)
    call 4
    local.get 4
    br_table 0 0
    global.get 0
    loop (result i32) ;; label = @1
      ref.null func
      ref.is_null
      i64.extend_i32_u
      block (type 10) ;; label = @2
        local.get 0
        br 0 (;@2;)
        br_if 0 (;@2;)
        table.size 1
        i64.const 8975664120308948036
        i64.clz
        block ;; label = @3
          global.get 0
          data.drop 0
          block ;; label = @4
            global.get 0
            global.set 0
            elem.drop 1
          end
          br 0 (;@3;)
          call 12
          data.drop 4
          data.drop 6
          ref.null func
          ref.null extern
          i64.const 2147483647
          i64.extend16_s
          loop (type 6) (result i64) ;; label = @4
            data.drop 4
            global.get 0
            local.get 1
            i32.eqz
            i32.extend16_s
            i64.const -6901107457381955546
            call 4
            i64.rem_u
            block (type 6) (result i64) ;; label = @5
              data.drop 5
              br 2 (;@3;)
              i32.const -352531537
              i32.clz
              i32.const 958779208
              i32.clz
              table.size 0
              data.drop 5
              br_if 1 (;@4;)
              table.size 1
              br_table 1 (;@4;) 2 (;@3;) 3 (;@2;) 4 (;@1;) 2 (;@3;)
              i32.gt_s
              i64.extend_i32_u
              i64.popcnt
              i32.const 1935978912
              block (type 10) ;; label = @6
                i32.const 16
                i32.eqz
                elem.drop 1
                local.set 3
                call 4
                i64.const -3391568085134523753
                i64.ge_s
                table.get 1
                table.size 0
                global.get 2
                i32.xor
                global.set 2
                drop
              end
              global.get 2
              i32.xor
              global.set 2
            end
            global.get 1
            i64.xor
            global.set 1
            global.get 1
            i64.xor
            global.set 1
            global.get 2
            i32.xor
            global.set 2
            drop
            i64.const 18014398509481983
          end
          global.get 1
          i64.xor
          global.set 1
          global.get 1
          i64.xor
          global.set 1
          drop
          drop
          drop
        end
        global.get 1
        i64.xor
        global.set 1
        global.get 2
        i32.xor
        global.set 2
      end
      global.get 1
      i64.xor
      global.set 1
      i32.const -1920115824
    end
    global.get 2
    i32.xor
    global.set 2
    drop
    i64.const 4
  )
  (func (;11;) (type 9) (param i32 i32 i32 i32 i32 i32) (result i32)
    (local i32 i32 funcref)
    table.size 1
    local.tee 2
    block (type 5) (param i32) ;; label = @1
      br_if 0 (;@1;)
      i32.const 1012423328
      ref.null func
      ref.is_null
      i64.const 6178572700143588389
      call 5
      i64.popcnt
      i64.eq
      nop
      local.get 6
      i32.ne
      select
      elem.drop 3
      i32.extend8_s
      br_if 0 (;@1;)
      data.drop 2
      i64.const 8
      i64.popcnt
      unreachable
      data.drop 6
      data.drop 0
      br 0 (;@1;)
      data.drop 1
      global.get 0
      data.drop 6
      drop
      global.get 1
      i64.xor
      global.set 1
    end
    i32.const 1716317926
  )
  (func (;12;) (type 10)
    table.size 0
    br_if 0
    loop (result i64) ;; label = @1
      table.size 1
      br_table 0 (;@1;) 1 0 (;@1;)
      global.get 0
      i32.const 256
      i32.ctz
      table.get 1
      call 4
      i64.const 8520314106377515446
      i64.lt_u
      br_if 1
      elem.drop 1
      loop ;; label = @2
        loop (type 10) ;; label = @3
          data.drop 0
          i64.const -4398046511105
          call 4
          i64.extend32_s
          i64.ge_s
          block (type 5) (param i32) ;; label = @4
            i64.const -6655453212033838094
            i64.extend32_s
            i64.ctz
            i64.const 562949953421312
            i32.const -1188239412
            i32.extend8_s
            loop (result i32) ;; label = @5
              br 2 (;@3;)
              elem.drop 3
              table.size 1
              i32.eqz
              if (result i32) ;; label = @6
                elem.drop 3
                data.drop 6
                call 12
                i32.const -65536
                table.size 0
                elem.drop 2
                i64.extend_i32_s
                return
                table.size 1
                return
                i64.extend_i32_u
                i64.ctz
                i64.rotl
                i64.extend8_s
                elem.drop 1
                data.drop 6
                br 1 (;@5;)
                i64.clz
                data.drop 4
                br 1 (;@5;)
                global.get 0
                i32.const 869055747
                if (type 10) ;; label = @7
                  call 5
                  br 4 (;@3;)
                  elem.drop 0
                  ref.null func
                  br 0 (;@7;)
                  data.drop 5
                  block (result funcref) ;; label = @8
                    i32.const 32768
                    table.size 1
                    i32.ge_u
                    i32.clz
                    i32.popcnt
                    i32.extend8_s
                    br_if 5 (;@3;)
                    data.drop 6
                    call 12
                    i32.const -445796241
                    elem.drop 0
                    i32.ctz
                    data.drop 0
                    i64.extend_i32_u
                    global.get 0
                    i32.const -129
                    i64.const -2147483648
                    i64.const 4286578688
                    i64.add
                    loop (type 10) ;; label = @9
                      ref.null func
                      loop (result funcref) ;; label = @10
                        call 5
                        br 6 (;@4;)
                        loop (result i64) ;; label = @11
                          block ;; label = @12
                          end
                          i64.const 16
                          table.size 1
                          br_if 8 (;@3;)
                          i64.extend16_s
                          br 9 (;@2;)
                          i64.ctz
                        end
                        i64.popcnt
                        i64.shl
                        call 5
                        i64.gt_u
                        i64.const -274877906945
                        i64.ctz
                        global.get 0
                        i32.const -307480346
                        ref.null func
                        ref.null extern
                        global.set 0
                        br 6 (;@4;)
                        i32.const 8388607
                        i64.extend_i32_u
                        i64.extend16_s
                        loop (type 10) ;; label = @11
                          elem.drop 2
                        end
                        data.drop 4
                        data.drop 3
                        block (type 10) ;; label = @11
                          data.drop 2
                          data.drop 6
                        end
                        ref.null func
                        call 12
                        block (type 10) ;; label = @11
                          block ;; label = @12
                            data.drop 6
                            i32.const 1370946620
                            call 3
                            i32.const 16777215
                            ref.null func
                            ref.is_null
                            i32.shl
                            table.size 1
                            loop (type 3) (param i32 i32) (result i32) ;; label = @13
                              loop (type 10) ;; label = @14
                                nop
                                global.get 0
                                br 10 (;@4;)
                                br 9 (;@5;)
                                elem.drop 1
                                loop (result i64) ;; label = @15
                                  data.drop 6
                                  call 4
                                  i32.const 1069606007
                                  table.get 1
                                  global.set 0
                                end
                                block (type 6) (result i64) ;; label = @15
                                  ref.null func
                                  ref.null func
                                  ref.null func
                                  block ;; label = @16
                                    loop (result externref) ;; label = @17
                                      i32.const 53497575
                                      i64.const 7225766898053647259
                                      i64.eqz
                                      i32.xor
                                      br_if 3 (;@14;)
                                      global.get 0
                                      i32.const -382997401
                                      table.grow 1
                                      return
                                      br 8 (;@9;)
                                      i32.popcnt
                                      i32.extend8_s
                                      call 3
                                      elem.drop 3
                                      call 12
                                      global.get 0
                                      ref.null extern
                                      call 12
                                      loop (type 10) ;; label = @18
                                        i64.const 7751146701384417022
                                        data.drop 0
                                        nop
                                        ref.null func
                                        i32.const 8
                                        elem.drop 0
                                        br_if 2 (;@16;)
                                        br 17 (;@1;)
                                        i64.const 524288
                                        i64.eqz
                                        i32.extend8_s
                                        br 0 (;@18;)
                                        i32.extend16_s
                                        if (result i64) ;; label = @19
                                          i32.const 32
                                          loop (type 10) ;; label = @20
                                            br 18 (;@2;)
                                            loop (result i64) ;; label = @21
                                              i64.const 576460752303423487
                                              elem.drop 2
                                              i32.wrap_i64
                                              block (type 5) (param i32) ;; label = @22
                                                i32.popcnt
                                                i32.ctz
                                                i32.extend8_s
                                                i32.popcnt
                                                i32.extend16_s
                                                global.get 0
                                                data.drop 3
                                                global.set 0
                                                i32.extend8_s
                                                i64.extend_i32_s
                                                i32.const -651329803
                                                i64.const -9008875643299605877
                                                i32.const -65536
                                                global.get 0
                                                br 11 (;@11;)
                                                global.get 0
                                                ref.null func
                                                table.size 1
                                                i32.eqz
                                                i32.popcnt
                                                i64.extend_i32_u
                                                loop (result i64) ;; label = @23
                                                  call 5
                                                  global.get 0
                                                  ref.is_null
                                                  elem.drop 0
                                                  i32.popcnt
                                                  i32.extend8_s
                                                  global.get 0
                                                  elem.drop 3
                                                  block (type 6) (result i64) ;; label = @24
                                                    br 15 (;@9;)
                                                    elem.drop 3
                                                    i32.const 1209762675
                                                    i32.extend16_s
                                                    return
                                                    br_table 1 (;@23;) 2 (;@22;) 3 (;@21;) 4 (;@20;) 6 (;@18;) 7 (;@17;) 8 (;@16;) 10 (;@14;) 12 (;@12;) 13 (;@11;) 14 (;@10;) 15 (;@9;) 17 (;@7;) 19 (;@5;) 20 (;@4;) 21 (;@3;) 22 (;@2;) 23 (;@1;) 24 13 (;@11;)
                                                    data.drop 1
                                                    br 2 (;@22;)
                                                    br 4 (;@20;)
                                                    call 12
                                                    i32.const 205767942
                                                    i32.popcnt
                                                    global.get 0
                                                    elem.drop 3
                                                    ref.is_null
                                                    call 2
                                                    table.size 1
                                                    i32.rotr
                                                    call 3
                                                    i64.const -35184372088832
                                                    elem.drop 3
                                                    data.drop 1
                                                    block (result funcref) ;; label = @25
                                                      i32.const 131071
                                                      table.size 0
                                                      loop (type 3) (param i32 i32) (result i32) ;; label = @26
                                                        i32.gt_u
                                                        i32.extend16_s
                                                        loop (type 5) (param i32) ;; label = @27
                                                          br 17 (;@10;)
                                                          i32.const 1024
                                                          br_table 4 (;@23;) 5 (;@22;) 6 (;@21;) 7 (;@20;) 9 (;@18;) 10 (;@17;) 11 (;@16;) 13 (;@14;) 15 (;@12;) 16 (;@11;) 17 (;@10;) 18 (;@9;) 20 (;@7;) 22 (;@5;) 23 (;@4;) 24 (;@3;) 25 (;@2;) 26 (;@1;) 27 7 (;@20;)
                                                          loop (type 5) (param i32) ;; label = @28
                                                            loop (type 6) (result i64) ;; label = @29
                                                              i64.const -3
                                                              br 11 (;@18;)
                                                              return
                                                              ref.null extern
                                                              global.set 0
                                                              loop ;; label = @30
                                                                loop (result i64) ;; label = @31
                                                                  br 24 (;@7;)
                                                                  block (type 6) (result i64) ;; label = @32
                                                                    ref.null extern
                                                                    table.size 0
                                                                    table.get 0
                                                                    loop (type 6) (result i64) ;; label = @33
                                                                      data.drop 6
                                                                      i64.const 549755813887
                                                                      i64.extend32_s
                                                                      i64.ctz
                                                                      loop (result i64) ;; label = @34
                                                                        i64.const -67108865
                                                                      end
                                                                      global.get 1
                                                                      i64.xor
                                                                      global.set 1
                                                                    end
                                                                    global.get 1
                                                                    i64.xor
                                                                    global.set 1
                                                                    drop
                                                                    drop
                                                                    i64.const -288230376151711744
                                                                  end
                                                                end
                                                                global.get 1
                                                                i64.xor
                                                                global.set 1
                                                              end
                                                            end
                                                            global.get 1
                                                            i64.xor
                                                            global.set 1
                                                            global.get 2
                                                            i32.xor
                                                            global.set 2
                                                          end
                                                        end
                                                        i32.const 322797557
                                                      end
                                                      global.get 2
                                                      i32.xor
                                                      global.set 2
                                                      ref.null func
                                                    end
                                                    drop
                                                  end
                                                  global.get 1
                                                  i64.xor
                                                  global.set 1
                                                  drop
                                                  global.get 2
                                                  i32.xor
                                                  global.set 2
                                                end
                                                global.get 1
                                                i64.xor
                                                global.set 1
                                                global.get 1
                                                i64.xor
                                                global.set 1
                                                drop
                                                drop
                                                drop
                                                global.get 2
                                                i32.xor
                                                global.set 2
                                                global.get 1
                                                i64.xor
                                                global.set 1
                                                global.get 2
                                                i32.xor
                                                global.set 2
                                                global.get 1
                                                i64.xor
                                                global.set 1
                                              end
                                              i64.const 7847636440039216992
                                            end
                                            global.get 1
                                            i64.xor
                                            global.set 1
                                          end
                                          global.get 2
                                          i32.xor
                                          global.set 2
                                          i64.const -8519111418239691242
                                        else
                                          i64.const 268435456
                                        end
                                        global.get 1
                                        i64.xor
                                        global.set 1
                                        drop
                                        global.get 1
                                        i64.xor
                                        global.set 1
                                      end
                                      drop
                                    end
                                    drop
                                  end
                                  drop
                                  drop
                                  drop
                                  i64.const 281474976710656
                                end
                                global.get 1
                                i64.xor
                                global.set 1
                                global.get 1
                                i64.xor
                                global.set 1
                                drop
                              end
                              global.get 2
                              i32.xor
                              global.set 2
                            end
                            global.get 2
                            i32.xor
                            global.set 2
                          end
                        end
                        drop
                        global.get 1
                        i64.xor
                        global.set 1
                        drop
                        global.get 2
                        i32.xor
                        global.set 2
                        drop
                        global.get 1
                        i64.xor
                        global.set 1
                        global.get 2
                        i32.xor
                        global.set 2
                        ref.null func
                      end
                      drop
                      drop
                    end
                    global.get 1
                    i64.xor
                    global.set 1
                    global.get 2
                    i32.xor
                    global.set 2
                    drop
                    global.get 1
                    i64.xor
                    global.set 1
                    ref.null func
                  end
                  drop
                  drop
                  global.get 1
                  i64.xor
                  global.set 1
                end
                drop
                global.get 1
                i64.xor
                global.set 1
              else
                i32.const -4194304
              end
            end
            global.get 2
            i32.xor
            global.set 2
            global.get 2
            i32.xor
            global.set 2
            global.get 1
            i64.xor
            global.set 1
            global.get 1
            i64.xor
            global.set 1
            global.get 2
            i32.xor
            global.set 2
          end
        end
      end
      drop
      drop
      i64.const 17179869183
    end
    global.get 1
    i64.xor
    global.set 1
  )
  (data (;0;) ";")
  (data (;1;) "")
  (data (;2;) "z")
  (data (;3;) "m*")
  (data (;4;) "/")
  (data (;5;) "\5c\ca\fby\d5\83\b4")
  (data (;6;) "d")
)
