// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The batch verifier exported by `zkroll export solidity`: reverts unless
/// the proof is valid for the one public input.
interface IVerifier {
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[1] calldata input
    ) external view;
}

/// circomlib's Poseidon (contracts/Poseidon4.sol and Poseidon5.sol, generated for the EVM, equal to circomlibjs's).
interface IPoseidon4 {
    function poseidon(uint256[4] calldata input) external pure returns (uint256);
}

interface IPoseidon5 {
    function poseidon(uint256[5] calldata input) external pure returns (uint256);
}

interface IERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// zkroll's L1 contract: the deposit queue, batch settlement against the
/// Groth16 verifier, withdrawals, forced exits and exodus mode.
/// Byte layouts: docs/PROTOCOL.md (the L1 slot is 58 bytes, an L2 slot 16,
/// the header 108; the public input is SHA-256 of the padded pubdata with
/// its top three bits cleared).
///
/// Trust and liveness (docs/PROTOCOL.md, "Rollup.sol"): the state starts
/// from the empty tree (the constructor refuses any other genesis root);
/// every header names this contract and chain, which every L2 signature
/// covers; the L1 queue holds at most `maxQueued` operations, so an
/// operator settling a batch at least every `batchIntervalBlocks` blocks
/// drains any entry before `expiryBlocks`, and each queued operation pays
/// `l1OpFee` wei to the operator for the slot it takes.
contract Rollup {
    // ---- errors -----------------------------------------------------------
    error NotOperator();
    error UnknownToken(uint32 token);
    error UnknownAccount(uint32 idx);
    error NotOwner(uint32 idx);
    error BadAmount();
    error TreeFull();
    error ExodusActive();
    error ExodusNotActive();
    error NotExpired();
    error BadHeaderLength();
    error WrongChain();
    error WrongRollup();
    error BadGenesis();
    error BadQueueBound();
    error QueueFull();
    error BadFee();
    error WrongBatchNumber(uint64 expected, uint64 got);
    error WrongOldRoot();
    error TooManyL1Ops();
    error BadL1Length();
    error BadL2Length();
    error L1OpMismatch(uint64 serial);
    error L1QueueExhausted();
    error AlreadyExited(uint32 idx);
    error BadMerkleProof();
    error NothingToWithdraw();
    error TransferFailed();
    error Reentrancy();
    error NotReclaimable(uint64 serial);

    // ---- events -----------------------------------------------------------
    event L1OpQueued(uint64 indexed serial, bytes op);
    event BatchVerified(uint64 indexed batch, bytes32 newRoot);
    event ExodusActivated(uint64 atSerial);
    event Withdrawn(address indexed to, uint32 indexed token, uint256 amount);

    // ---- constants and immutables ------------------------------------------
    uint8 internal constant OP_DEPOSIT_NEW = 1;
    uint8 internal constant OP_DEPOSIT = 2;
    uint8 internal constant OP_FORCED_EXIT = 3;
    uint8 internal constant OP_WITHDRAW = 5;
    uint256 internal constant HEADER_BYTES = 108;
    // Header field offsets (docs/PROTOCOL.md).
    uint256 internal constant H_ROLLUP = 8;
    uint256 internal constant H_BATCH = 28;
    uint256 internal constant H_OLD_ROOT = 36;
    uint256 internal constant H_NEW_ROOT = 68;
    uint256 internal constant H_L1_COUNT = 104;
    uint256 internal constant L1_SLOT_BYTES = 58;
    uint256 internal constant L2_SLOT_BYTES = 16;
    /// Deposits above this are refused on L1 (so balances stay far from 2^128).
    uint128 public constant MAX_DEPOSIT = uint128(1) << 120;
    uint256 internal constant SNARK_MASK = (uint256(1) << 253) - 1;

    IVerifier public immutable verifier;
    IPoseidon4 public immutable poseidon4;
    IPoseidon5 public immutable poseidon5;
    address public immutable operator;
    uint8 public immutable depth;
    uint256 public immutable l1Slots;
    uint256 public immutable l2Slots;
    uint64 public immutable expiryBlocks;
    /// The longest the operator commits to go between batches, in blocks.
    uint64 public immutable batchIntervalBlocks;
    /// The most L1 operations waiting at once: l1Slots * floor(expiry / interval).
    uint64 public immutable maxQueued;
    /// Paid to the operator, in wei, by every queued L1 operation.
    uint256 public immutable l1OpFee;

    // ---- state ------------------------------------------------------------
    bytes32 public stateRoot;
    uint64 public lastBatch;
    bool public exodus;
    uint64 public queueHead; // next serial a batch must consume
    uint64 public queueTail; // next serial to assign
    uint32 public nextAccount;
    uint32 public tokenCount;
    uint256 private locked = 1;

    struct QueueEntry {
        bytes32 hash; // keccak256 of the 58-byte op as queued (status 0, ForcedExit amount 0)
        uint64 blockNumber;
        address depositor; // who paid (deposits) or the owner (forced exit)
        uint32 token;
        uint128 amount;
    }

    mapping(uint64 => QueueEntry) public queue;
    mapping(uint32 => address) public tokenAddress; // token 0 = ETH (address(0))
    mapping(address => uint32) public tokenId;
    mapping(address => bool) public tokenKnown;
    mapping(uint32 => address) public accountOwner;
    mapping(uint32 => uint32) public accountToken;
    mapping(address => mapping(uint32 => uint256)) public pending;
    mapping(uint32 => bool) public exited;

    constructor(
        IVerifier verifier_,
        IPoseidon4 poseidon4_,
        IPoseidon5 poseidon5_,
        uint8 depth_,
        uint8 l1Slots_,
        uint8 l2Slots_,
        uint64 expiryBlocks_,
        uint64 batchIntervalBlocks_,
        uint256 l1OpFee_,
        bytes32 genesisRoot
    ) {
        // Headers carry the chain id in 8 bytes.
        if (block.chainid >= (uint256(1) << 64)) revert WrongChain();
        // An entry queued behind a full queue is consumed within
        // ceil(maxQueued / l1Slots) batches, i.e. within expiryBlocks.
        if (l1Slots_ == 0 || batchIntervalBlocks_ == 0 || expiryBlocks_ < batchIntervalBlocks_) {
            revert BadQueueBound();
        }
        verifier = verifier_;
        poseidon4 = poseidon4_;
        poseidon5 = poseidon5_;
        operator = msg.sender;
        depth = depth_;
        l1Slots = l1Slots_;
        l2Slots = l2Slots_;
        expiryBlocks = expiryBlocks_;
        batchIntervalBlocks = batchIntervalBlocks_;
        maxQueued = uint64(l1Slots_) * (expiryBlocks_ / batchIntervalBlocks_);
        l1OpFee = l1OpFee_;
        // No account exists before the first deposit: the genesis must be
        // the empty tree (every leaf 0), or a deployer could seed a funded
        // leaf under its own key and withdraw others' deposits.
        bytes32 empty = bytes32(0);
        for (uint256 l = 0; l < depth_; ++l) {
            uint256 e = uint256(empty);
            empty = bytes32(poseidon4_.poseidon([e, e, e, e]));
        }
        if (genesisRoot != empty) revert BadGenesis();
        stateRoot = genesisRoot;
        tokenKnown[address(0)] = true;
        tokenCount = 1;
    }

    modifier nonReentrant() {
        if (locked != 1) revert Reentrancy();
        locked = 2;
        _;
        locked = 1;
    }

    modifier notExodus() {
        if (exodus) revert ExodusActive();
        _;
    }

    // ---- tokens -----------------------------------------------------------
    /// Registers an ERC-20 token (operator only); returns its id.
    function addToken(address token) external returns (uint32 id) {
        if (msg.sender != operator) revert NotOperator();
        if (tokenKnown[token]) return tokenId[token];
        id = tokenCount++;
        tokenAddress[id] = token;
        tokenId[token] = id;
        tokenKnown[token] = true;
    }

    /// Takes a deposit of `amount` plus the L1 fee (in ETH, with the
    /// deposit for token 0, alone for an ERC-20).
    function _pull(uint32 token, uint128 amount) internal {
        if (amount == 0 || amount > MAX_DEPOSIT) revert BadAmount();
        if (token == 0) {
            if (msg.value != uint256(amount) + l1OpFee) revert BadAmount();
        } else {
            if (msg.value != l1OpFee) revert BadFee();
            address t = tokenAddress[token];
            if (t == address(0)) revert UnknownToken(token);
            (bool ok, bytes memory ret) =
                t.call(abi.encodeCall(IERC20.transferFrom, (msg.sender, address(this), amount)));
            if (!ok || (ret.length != 0 && !abi.decode(ret, (bool)))) revert TransferFailed();
        }
    }

    // ---- the L1 queue ------------------------------------------------------
    /// Queues an L1 operation; the queue is bounded (`maxQueued`) and each
    /// entry's fee is credited to the operator.
    function _queue(bytes memory op, address depositor, uint32 token, uint128 amount) internal {
        if (queueTail - queueHead >= maxQueued) revert QueueFull();
        pending[operator][0] += l1OpFee;
        uint64 serial = queueTail++;
        queue[serial] = QueueEntry(keccak256(op), uint64(block.number), depositor, token, amount);
        emit L1OpQueued(serial, op);
    }

    function _op(uint8 kind, uint32 idx, uint32 token, uint128 amount, bytes32 pubkey)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(kind, uint8(0), idx, token, amount, pubkey);
    }

    /// Opens account `nextAccount` for `pubkey` (circomlib-packed) holding
    /// `amount` of `token`; the caller becomes its L1 owner.
    function depositNew(bytes32 pubkey, uint32 token, uint128 amount)
        external
        payable
        notExodus
        returns (uint32 idx)
    {
        if (token >= tokenCount) revert UnknownToken(token);
        if (uint256(nextAccount) >= (uint256(1) << (2 * uint256(depth)))) revert TreeFull();
        _pull(token, amount);
        idx = nextAccount++;
        accountOwner[idx] = msg.sender;
        accountToken[idx] = token;
        _queue(_op(OP_DEPOSIT_NEW, idx, token, amount, pubkey), msg.sender, token, amount);
    }

    /// Credits `amount` of the account's token to account `idx`.
    function deposit(uint32 idx, uint128 amount) external payable notExodus {
        if (idx >= nextAccount) revert UnknownAccount(idx);
        uint32 token = accountToken[idx];
        _pull(token, amount);
        _queue(_op(OP_DEPOSIT, idx, token, amount, bytes32(0)), msg.sender, token, amount);
    }

    /// The owner of `idx` asks for its whole balance on L1; a batch must
    /// process it before the queue's expiry, or exodus mode opens.
    function requestForcedExit(uint32 idx) external payable notExodus {
        if (accountOwner[idx] != msg.sender || idx >= nextAccount) revert NotOwner(idx);
        if (msg.value != l1OpFee) revert BadFee();
        uint32 token = accountToken[idx];
        _queue(_op(OP_FORCED_EXIT, idx, token, 0, bytes32(0)), msg.sender, token, 0);
    }

    // ---- batches ----------------------------------------------------------
    /// Settles a batch: `l1Ops` must be the next queued operations as
    /// published (status set, ForcedExit amounts filled), `l2Data` the L2
    /// slots without trailing Noops; `proof` is (a, b, c) flattened with b in
    /// EIP-197 order.
    function submitBatch(
        bytes calldata header,
        bytes calldata l1Ops,
        bytes calldata l2Data,
        uint256[8] calldata proof
    ) external notExodus {
        if (msg.sender != operator) revert NotOperator();
        if (header.length != HEADER_BYTES) revert BadHeaderLength();
        // The domain every L2 signature in the batch covers: this chain, this contract.
        if (uint64(bytes8(header[0:H_ROLLUP])) != block.chainid) revert WrongChain();
        if (address(bytes20(header[H_ROLLUP:H_BATCH])) != address(this)) revert WrongRollup();
        uint64 number = uint64(bytes8(header[H_BATCH:H_OLD_ROOT]));
        if (number != lastBatch + 1) revert WrongBatchNumber(lastBatch + 1, number);
        if (bytes32(header[H_OLD_ROOT:H_NEW_ROOT]) != stateRoot) revert WrongOldRoot();
        uint256 l1Count = uint32(bytes4(header[H_L1_COUNT:HEADER_BYTES]));
        if (l1Count > l1Slots) revert TooManyL1Ops();
        if (l1Ops.length != l1Count * L1_SLOT_BYTES) revert BadL1Length();
        if (l2Data.length > l2Slots * L2_SLOT_BYTES || l2Data.length % L2_SLOT_BYTES != 0) revert BadL2Length();

        uint64 head = queueHead;
        if (head + l1Count > queueTail) revert L1QueueExhausted();
        _checkQueue(l1Ops, l1Count, head);

        uint256 input = _commitment(header, l1Ops, l2Data);
        verifier.verifyProof(
            [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], [input]
        );

        stateRoot = bytes32(header[H_NEW_ROOT:H_NEW_ROOT + 32]);
        lastBatch = number;
        queueHead = head + uint64(l1Count);
        _settleL1(l1Ops, l1Count, head);
        _settleL2(l2Data);
        emit BatchVerified(number, stateRoot);
    }

    /// Each published L1 op, with its status byte and ForcedExit amount
    /// zeroed, must hash to the queued entry at its serial.
    function _checkQueue(bytes calldata l1Ops, uint256 l1Count, uint64 head) internal view {
        bytes memory op = new bytes(L1_SLOT_BYTES);
        for (uint256 i = 0; i < l1Count; ++i) {
            uint256 o = i * L1_SLOT_BYTES;
            bytes32 h;
            assembly {
                let p := add(op, 32)
                calldatacopy(p, add(l1Ops.offset, o), 58)
                mstore8(add(p, 1), 0) // status
                if eq(byte(0, mload(p)), 3) {
                    // ForcedExit: the amount (bytes 10..26) is written by the batch
                    mstore(add(p, 10), and(mload(add(p, 10)), not(shl(128, sub(shl(128, 1), 1)))))
                }
                h := keccak256(p, 58)
            }
            if (h != queue[head + uint64(i)].hash) revert L1OpMismatch(head + uint64(i));
        }
    }

    /// SHA-256 of header || L1 slots || L2 slots, Noop slots as zero bytes,
    /// with the top three bits cleared: the circuit's public input.
    function _commitment(bytes calldata header, bytes calldata l1Ops, bytes calldata l2Data)
        internal
        view
        returns (uint256)
    {
        uint256 l2Start = HEADER_BYTES + l1Slots * L1_SLOT_BYTES;
        bytes memory pd = new bytes(l2Start + l2Slots * L2_SLOT_BYTES);
        assembly {
            let p := add(pd, 32)
            calldatacopy(p, header.offset, HEADER_BYTES)
            calldatacopy(add(p, HEADER_BYTES), l1Ops.offset, l1Ops.length)
            calldatacopy(add(p, l2Start), l2Data.offset, l2Data.length)
        }
        return uint256(sha256(pd)) & SNARK_MASK;
    }

    function _settleL1(bytes calldata l1Ops, uint256 l1Count, uint64 head) internal {
        for (uint256 i = 0; i < l1Count; ++i) {
            uint256 o = i * L1_SLOT_BYTES;
            uint8 kind = uint8(l1Ops[o]);
            bool failed = uint8(l1Ops[o + 1]) != 0;
            uint64 serial = head + uint64(i);
            QueueEntry storage e = queue[serial];
            if (kind == OP_FORCED_EXIT) {
                uint128 amount = uint128(bytes16(l1Ops[o + 10:o + 26]));
                if (!failed && amount != 0) {
                    uint32 idx = uint32(bytes4(l1Ops[o + 2:o + 6]));
                    pending[accountOwner[idx]][accountToken[idx]] += amount;
                }
            } else if (failed) {
                // A deposit that could not apply is returned to its payer.
                pending[e.depositor][e.token] += e.amount;
            }
            delete queue[serial];
        }
    }

    function _settleL2(bytes calldata l2Data) internal {
        uint256 n = l2Data.length / L2_SLOT_BYTES;
        for (uint256 i = 0; i < n; ++i) {
            uint256 w;
            assembly {
                w := calldataload(add(l2Data.offset, mul(i, 16)))
            }
            if (uint8(w >> 248) == OP_WITHDRAW) {
                uint32 from = uint32(w >> 216);
                uint256 packed = (w >> 144) & 0xffffffffff;
                uint256 amount = (packed & 0x7ffffffff) * 10 ** (packed >> 35);
                pending[accountOwner[from]][accountToken[from]] += amount;
            }
        }
    }

    // ---- withdrawals ------------------------------------------------------
    /// Pays out the caller's pending balance of `token`.
    function withdraw(uint32 token) external nonReentrant {
        uint256 amount = pending[msg.sender][token];
        if (amount == 0) revert NothingToWithdraw();
        pending[msg.sender][token] = 0;
        emit Withdrawn(msg.sender, token, amount);
        if (token == 0) {
            (bool ok,) = msg.sender.call{value: amount}("");
            if (!ok) revert TransferFailed();
        } else {
            (bool ok, bytes memory ret) =
                tokenAddress[token].call(abi.encodeCall(IERC20.transfer, (msg.sender, amount)));
            if (!ok || (ret.length != 0 && !abi.decode(ret, (bool)))) revert TransferFailed();
        }
    }

    // ---- exodus -----------------------------------------------------------
    /// Opens exodus mode when the oldest unprocessed L1 op is older than the expiry.
    function activateExodus() external notExodus {
        uint64 head = queueHead;
        if (head >= queueTail || block.number <= queue[head].blockNumber + expiryBlocks) revert NotExpired();
        exodus = true;
        emit ExodusActivated(head);
    }

    /// In exodus mode, credits an account's balance in the last verified
    /// state to its owner, once, given its leaf and Merkle path (three
    /// siblings per level, leaves first, as `MerklePath` in zkroll-state).
    function exodusExit(
        uint32 idx,
        uint32 nonce,
        uint128 balance,
        uint256 pkX,
        uint256 pkY,
        uint256[3][] calldata siblings
    ) external {
        if (!exodus) revert ExodusNotActive();
        if (exited[idx]) revert AlreadyExited(idx);
        if (idx >= nextAccount) revert UnknownAccount(idx);
        if (siblings.length != depth) revert BadMerkleProof();
        uint32 token = accountToken[idx];
        uint256 cur = poseidon5.poseidon([uint256(token), uint256(nonce), uint256(balance), pkX, pkY]);
        for (uint256 l = 0; l < siblings.length; ++l) {
            uint256 pos = (uint256(idx) >> (2 * l)) & 3;
            uint256[4] memory c;
            uint256 k = 0;
            for (uint256 j = 0; j < 4; ++j) {
                if (j == pos) {
                    c[j] = cur;
                } else {
                    c[j] = siblings[l][k++];
                }
            }
            cur = poseidon4.poseidon(c);
        }
        if (bytes32(cur) != stateRoot) revert BadMerkleProof();
        exited[idx] = true;
        pending[accountOwner[idx]][token] += balance;
    }

    /// In exodus mode, returns a deposit that no batch processed to its payer.
    function reclaimDeposit(uint64 serial) external {
        if (!exodus) revert ExodusNotActive();
        QueueEntry storage e = queue[serial];
        if (serial < queueHead || e.hash == bytes32(0) || e.amount == 0) revert NotReclaimable(serial);
        pending[e.depositor][e.token] += e.amount;
        delete queue[serial];
    }
}
