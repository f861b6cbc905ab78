;; out[r] = dot(query, rows[r]) for r < n, over f32 vectors of `dim` floats.
;; All pointers are byte offsets into the imported memory; `dim` must be a
;; multiple of 16: each step multiplies four f32x4 lanes (16 floats) into four
;; separate accumulators, so consecutive adds do not wait on each other.
;; Summation order (the reference loop in vector-kernel.ts repeats it exactly):
;; float i goes to accumulator lane i mod 16; then (a+b)+(c+d) lane-wise, then
;; (lane0+lane1)+(lane2+lane3).
(module
  (import "env" "memory" (memory 1))
  (func (export "dots") (param $query i32) (param $row i32) (param $n i32) (param $dim i32) (param $out i32)
    (local $bytes i32) (local $end i32) (local $i i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $a (v128.const i32x4 0 0 0 0))
        (local.set $b (v128.const i32x4 0 0 0 0))
        (local.set $c (v128.const i32x4 0 0 0 0))
        (local.set $d (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (loop $cols
          (local.set $a (f32x4.add (local.get $a) (f32x4.mul
            (v128.load (i32.add (local.get $query) (local.get $i)))
            (v128.load (i32.add (local.get $row) (local.get $i))))))
          (local.set $b (f32x4.add (local.get $b) (f32x4.mul
            (v128.load offset=16 (i32.add (local.get $query) (local.get $i)))
            (v128.load offset=16 (i32.add (local.get $row) (local.get $i))))))
          (local.set $c (f32x4.add (local.get $c) (f32x4.mul
            (v128.load offset=32 (i32.add (local.get $query) (local.get $i)))
            (v128.load offset=32 (i32.add (local.get $row) (local.get $i))))))
          (local.set $d (f32x4.add (local.get $d) (f32x4.mul
            (v128.load offset=48 (i32.add (local.get $query) (local.get $i)))
            (v128.load offset=48 (i32.add (local.get $row) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 64)))
          (br_if $cols (i32.lt_u (local.get $i) (local.get $bytes))))
        (local.set $a (f32x4.add (f32x4.add (local.get $a) (local.get $b)) (f32x4.add (local.get $c) (local.get $d))))
        (f32.store (local.get $out)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
            (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
        (local.set $row (i32.add (local.get $row) (local.get $bytes)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $rows)))))
