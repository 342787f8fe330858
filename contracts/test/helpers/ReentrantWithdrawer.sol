// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AuctionHouse} from "../../src/AuctionHouse.sol";

/// @notice A wallet that calls `withdraw` again from inside the payment of its withdrawal, and
///         keeps the inner call's revert data so the test can see why it failed.
contract ReentrantWithdrawer {
    AuctionHouse private immutable house;
    bytes public reentryRevertData;
    uint256 public reentryAttempts;

    constructor(AuctionHouse house_) {
        house = house_;
    }

    function deposit(bytes32 commitment) external payable {
        house.deposit{value: msg.value}(commitment);
    }

    function requestWithdrawal(uint256 amount) external {
        house.requestWithdrawal(amount);
    }

    function withdraw() external {
        house.withdraw();
    }

    receive() external payable {
        if (reentryAttempts != 0) return;
        reentryAttempts += 1;
        try house.withdraw() {}
        catch (bytes memory revertData) {
            reentryRevertData = revertData;
        }
    }
}
