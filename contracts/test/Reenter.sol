// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IRollupWithdraw {
    function withdraw(uint32 token) external;
    function depositNew(bytes32 pubkey, uint32 token, uint128 amount) external payable returns (uint32);
}

/// Test helper: owns a rollup account and, when paid, tries to withdraw
/// again from inside the payment. Records whether the re-entry succeeded.
contract Reenter {
    IRollupWithdraw public immutable rollup;
    uint256 public received;
    bool public reentered;
    bool public reentryFailed;

    constructor(IRollupWithdraw rollup_) {
        rollup = rollup_;
    }

    function open(bytes32 pubkey, uint128 amount) external payable returns (uint32) {
        return rollup.depositNew{value: msg.value}(pubkey, 0, amount);
    }

    function cashOut() external {
        rollup.withdraw(0);
    }

    receive() external payable {
        received += msg.value;
        if (!reentered) {
            reentered = true;
            try rollup.withdraw(0) {
                reentryFailed = false;
            } catch {
                reentryFailed = true;
            }
        }
    }
}
