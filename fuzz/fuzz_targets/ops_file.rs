//! The ops file `zkroll prove` reads (`zkroll::ops_file::OpsFile`), then
//! applied as a batch to a small state, as `zkroll prove` does.
//!
//! Oracle: never a panic; JSON parse -> serialize -> parse is the
//! identity; a batch that applies publishes pubdata that decodes, re-encodes
//! to the same bytes and replays onto the old tree to the same root; a batch
//! that is refused leaves the tree unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkroll::ops_file::OpsFile;
use zkroll_fuzz::{base, config, SHAPE};
use zkroll_state::batch::{apply_batch, replay_pubdata};
use zkroll_state::pubdata::{public_input, Pubdata};

fuzz_target!(|data: &[u8]| {
    let Ok(file) = serde_json::from_slice::<OpsFile>(data) else {
        return;
    };
    let text = serde_json::to_string(&file).expect("a parsed ops file serialises");
    let back: OpsFile = serde_json::from_str(&text).expect("a printed ops file parses");
    assert_eq!(back, file, "ops file JSON round trip changed it");

    // A batch whose first L1 serial is 0 starts from the empty tree (batch
    // 1); anything else follows the deposits of batch 1 (batch 2, queue at 4).
    let b = base();
    let fresh = file.l1.first().is_some_and(|q| q.serial == 0);
    let (pre, number, l1_next) = if fresh {
        (&b.empty, 1, 0)
    } else {
        (&b.after1, 2, 4)
    };
    let cfg = config(file.fee_account, file.domain);
    let mut tree = pre.clone();
    match apply_batch(&mut tree, &cfg, number, l1_next, &file.l1, &file.l2) {
        Ok(w) => {
            assert_eq!(w.new_root, tree.root());
            assert_eq!(w.old_root, pre.root());
            assert_eq!(w.pubdata.len(), SHAPE.pubdata_len());
            assert_eq!(w.public_input, public_input(&w.pubdata));
            let pd =
                Pubdata::from_bytes(&w.pubdata, &SHAPE).expect("a batch's own pubdata decodes");
            assert_eq!(pd.to_bytes(), w.pubdata, "pubdata re-encodes differently");
            assert_eq!(pd.header, w.header());
            let mut replayed = pre.clone();
            replay_pubdata(&mut replayed, &SHAPE, &w.pubdata)
                .expect("a batch's own pubdata replays onto its old state");
            assert_eq!(replayed.root(), tree.root(), "replay ends at another root");
        }
        Err(_) => assert!(tree == *pre, "a refused batch changed the tree"),
    }
});
