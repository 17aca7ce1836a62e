// Batch EdDSA-Poseidon verification on BabyJubJub, the signature scheme of
// zkroll L2 operations (docs/PROTOCOL.md, "Signed message"), used by
// tests/circom.rs as a large, realistic circom circuit to compile and prove.
//
// Public: the N public keys (Ax, Ay) and the N signed messages M.
// Private: the signatures (R8x, R8y, S).
// Inputs: node contracts/scripts/circom-inputs.mjs eddsa N input.json
//
// circomlib (GPL-3.0) is included from contracts/node_modules as an npm test
// tool, not vendored: compile with `-l contracts/node_modules`.
pragma circom 2.1.0;

include "circomlib/circuits/eddsaposeidon.circom";

template EdDSAPoseidonBatch(N) {
    signal input Ax[N];
    signal input Ay[N];
    signal input M[N];
    signal input R8x[N];
    signal input R8y[N];
    signal input S[N];

    component verifier[N];
    for (var i = 0; i < N; i++) {
        verifier[i] = EdDSAPoseidonVerifier();
        verifier[i].enabled <== 1;
        verifier[i].Ax <== Ax[i];
        verifier[i].Ay <== Ay[i];
        verifier[i].M <== M[i];
        verifier[i].R8x <== R8x[i];
        verifier[i].R8y <== R8y[i];
        verifier[i].S <== S[i];
    }
}

// Keep `component main` alone on the last line: the bench rewrites that line
// to set another N (the number of signatures).
component main {public [Ax, Ay, M]} = EdDSAPoseidonBatch(1);
