// A small circuit with many public inputs, for tests/circom.rs: 64 public
// inputs x and one public output
//     out = x[0]*x[1] + x[1]*x[2] + ... + x[62]*x[63] + x[63]*x[0],
// so each x[i] appears in two multiplication constraints.
// Inputs: node contracts/scripts/circom-inputs.mjs many_public 0 input.json
pragma circom 2.1.0;

template ManyPublic(n) {
    signal input x[n];
    signal output out;

    signal prod[n];
    var sum = 0;
    for (var i = 0; i < n; i++) {
        prod[i] <== x[i] * x[(i + 1) % n];
        sum += prod[i];
    }
    out <== sum;
}

component main {public [x]} = ManyPublic(64);
