//! Tests of `pubdata`: round trips, rejections, the public input's range,
//! and the readers of L1 data.

use super::*;

#[test]
fn header_round_trip_and_non_canonical_root() {
    let h = BatchHeader {
        domain: Domain::new(7, [9; 20]),
        batch_number: 3,
        old_root: Fr::from(11u64),
        new_root: Fr::from(12u64),
        fee_account: 2,
        l1_count: 1,
    };
    assert_eq!(BatchHeader::from_bytes(&h.to_bytes()).unwrap(), h);
    let mut b = h.to_bytes();
    b[header::OLD_ROOT..header::NEW_ROOT].copy_from_slice(&[0xff; 32]);
    assert!(matches!(
        BatchHeader::from_bytes(&b),
        Err(PubdataError::Root {
            field: "old_root",
            ..
        })
    ));
}

#[test]
fn slot_rejections() {
    let mut b = [0u8; L1_SLOT_BYTES];
    b[0] = 4;
    assert!(matches!(
        L1Slot::from_bytes(&b, 2),
        Err(PubdataError::OpType {
            region: "L1",
            slot: 2,
            byte: 4
        })
    ));
    b[0] = 1;
    b[1] = 2;
    assert!(matches!(
        L1Slot::from_bytes(&b, 0),
        Err(PubdataError::Status { .. })
    ));
    b[0] = 0;
    b[1] = 0;
    b[9] = 1;
    assert!(matches!(
        L1Slot::from_bytes(&b, 0),
        Err(PubdataError::DirtyNoop { .. })
    ));
    let mut c = [0u8; L2_SLOT_BYTES];
    c[0] = 1;
    assert!(matches!(
        L2Slot::from_bytes(&c, 0),
        Err(PubdataError::OpType { region: "L2", .. })
    ));
    c[0] = 4;
    c[9] = 0xff;
    c[10] = 0xff;
    assert!(matches!(
        L2Slot::from_bytes(&c, 0),
        Err(PubdataError::Float {
            field: "amount",
            ..
        })
    ));
}

#[test]
fn public_input_is_below_2_253() {
    for n in 0..50u8 {
        let x = public_input(&[n; 100]);
        let v: num_bigint::BigUint = x.into();
        assert!(v.bits() <= 253);
    }
}

#[test]
fn pubdata_from_parts_pads_with_noops_and_checks_lengths() {
    let shape = CircuitShape {
        depth: 2,
        l1_slots: 2,
        l2_slots: 3,
    };
    let header = [7u8; HEADER_BYTES];
    let l1 = [1u8; L1_SLOT_BYTES];
    let l2 = [2u8; L2_SLOT_BYTES];
    let pd = pubdata_from_parts(&shape, &header, &l1, &l2).unwrap();
    assert_eq!(pd.len(), shape.pubdata_len());
    assert_eq!(&pd[..HEADER_BYTES], &header);
    assert_eq!(&pd[HEADER_BYTES..HEADER_BYTES + L1_SLOT_BYTES], &l1);
    let l2_start = HEADER_BYTES + 2 * L1_SLOT_BYTES;
    assert!(pd[HEADER_BYTES + L1_SLOT_BYTES..l2_start]
        .iter()
        .all(|&b| b == 0));
    assert_eq!(&pd[l2_start..l2_start + L2_SLOT_BYTES], &l2);
    assert!(pd[l2_start + L2_SLOT_BYTES..].iter().all(|&b| b == 0));
    for (h, a, b, part) in [
        (&header[..83], &l1[..], &l2[..], "header"),
        (&header[..], &l1[..57], &l2[..], "l1Ops"),
        (&header[..], &[1u8; 3 * L1_SLOT_BYTES][..], &l2[..], "l1Ops"),
        (
            &header[..],
            &l1[..],
            &[0u8; 4 * L2_SLOT_BYTES][..],
            "l2Data",
        ),
    ] {
        match pubdata_from_parts(&shape, h, a, b) {
            Err(PubdataError::PartLength { part: p, .. }) => assert_eq!(p, part),
            other => panic!("{part}: {other:?}"),
        }
    }
}

#[test]
fn queued_op_reads_the_queue_entry_and_refuses_others() {
    use crate::ops::L1Op;
    let slot = L1Slot {
        op_type: OpType::DepositNew,
        status: L1Status::Applied,
        idx: 3,
        token: 1,
        amount: 500,
        pubkey: PackedPubkey([9; 32]),
    };
    let q = queued_op(4, &slot.to_bytes()).unwrap();
    assert_eq!(q.serial, 4);
    assert_eq!(
        q.op,
        L1Op::DepositNew {
            idx: 3,
            pubkey: PackedPubkey([9; 32]),
            token: 1,
            amount: 500
        }
    );
    let exit = L1Slot {
        op_type: OpType::ForcedExit,
        amount: 0,
        pubkey: PackedPubkey([0; 32]),
        ..slot
    };
    assert_eq!(
        queued_op(0, &exit.to_bytes()).unwrap().op,
        L1Op::ForcedExit { idx: 3, token: 1 }
    );
    let failed = L1Slot {
        status: L1Status::Failed,
        ..slot
    };
    let exit_with_amount = L1Slot { amount: 1, ..exit };
    for bad in [
        failed.to_bytes().to_vec(),
        exit_with_amount.to_bytes().to_vec(),
        L1Slot::NOOP.to_bytes().to_vec(),
        slot.to_bytes()[..57].to_vec(),
    ] {
        assert!(
            matches!(
                queued_op(9, &bad),
                Err(PubdataError::QueueEntry { serial: 9, .. })
            ),
            "{bad:?}"
        );
    }
}
