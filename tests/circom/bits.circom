// A circuit whose witness is almost all 0 and 1, for tests/circom.rs: it
// decomposes 16 private values into bits and selects the bits of one of them
// with a private index. The public output is the selected value, recomposed
// from its bits: out = in[sel].
//
// The values are 253-bit (below the field modulus, ~2^253.6), so
// Num2Bits(253) is a unique decomposition and no alias check (whose
// comparator carries non-binary wires) is needed. Multiplexer turns sel into
// a one-hot vector (Decoder) and ANDs it with each bit column
// (EscalarProduct): all these wires are 0 or 1 too.
// Inputs: node contracts/scripts/circom-inputs.mjs bits 0 input.json
//
// circomlib (GPL-3.0) is included from contracts/node_modules as an npm test
// tool, not vendored: compile with `-l contracts/node_modules`.
pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/multiplexer.circom";

template BitsSelect(n, w) {
    signal input in[n];
    signal input sel;
    signal output out;

    component bits[n];
    component mux = Multiplexer(w, n);
    for (var j = 0; j < n; j++) {
        bits[j] = Num2Bits(w);
        bits[j].in <== in[j];
        for (var k = 0; k < w; k++) {
            mux.inp[j][k] <== bits[j].out[k];
        }
    }
    // Fails (in the witness calculator too) unless 0 <= sel < n.
    mux.sel <== sel;

    component num = Bits2Num(w);
    for (var k = 0; k < w; k++) {
        num.in[k] <== mux.out[k];
    }
    out <== num.out;
}

component main = BitsSelect(16, 253);
