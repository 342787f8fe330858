// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AuctionHouse} from "../../src/AuctionHouse.sol";

/// @notice A contract wallet that refuses both ETH and ERC-721 safe transfers: as a winner it
///         shows that settlement does not depend on the receiver hook, as a treasury that a
///         failing claim does not block settlement.
contract RevertingReceiver {
    error Refused();

    function deposit(AuctionHouse house, bytes32 commitment) external payable {
        house.deposit{value: msg.value}(commitment);
    }

    function requestWithdrawal(AuctionHouse house, uint256 amount) external {
        house.requestWithdrawal(amount);
    }

    function withdraw(AuctionHouse house) external {
        house.withdraw();
    }

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        revert Refused();
    }

    receive() external payable {
        revert Refused();
    }
}
