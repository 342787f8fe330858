// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {AuctionHouseHandler} from "./helpers/AuctionHouseHandler.sol";
import {InvariantTest} from "./utils/Test.sol";

/// Properties that hold after any sequence of deposits, withdrawals, openings, settlements,
/// claims and pauses driven by the handler.
contract AuctionHouseInvariantTest is InvariantTest {
    AuctionHouseHandler internal handler;
    AuctionHouse internal house;

    function setUp() public {
        handler = new AuctionHouseHandler();
        house = handler.house();

        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = AuctionHouseHandler.deposit.selector;
        selectors[1] = AuctionHouseHandler.depositWithAnotherViewersCommitment.selector;
        selectors[2] = AuctionHouseHandler.requestWithdrawal.selector;
        selectors[3] = AuctionHouseHandler.withdraw.selector;
        selectors[4] = AuctionHouseHandler.passTime.selector;
        selectors[5] = AuctionHouseHandler.openLot.selector;
        selectors[6] = AuctionHouseHandler.settleLot.selector;
        selectors[7] = AuctionHouseHandler.settleNoSale.selector;
        selectors[8] = AuctionHouseHandler.claimProceeds.selector;
        selectors[9] = AuctionHouseHandler.setPaused.selector;
        selectors[10] = AuctionHouseHandler.strangerActsAsOperator.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_balanceCoversEscrowsAndProceeds() public view {
        uint256 owed = house.treasuryProceeds();
        for (uint256 i = 0; i < handler.viewerCount(); i++) {
            owed += house.escrowOf(handler.viewers(i));
        }
        assertGe(address(house).balance, owed, "house balance below what it owes");
    }

    function invariant_escrowsAndProceedsMatchTheSuccessfulCalls() public view {
        for (uint256 i = 0; i < handler.viewerCount(); i++) {
            address viewer = handler.viewers(i);
            assertEq(house.escrowOf(viewer), handler.expectedEscrow(viewer), "escrow");
        }
        assertEq(house.treasuryProceeds(), handler.expectedProceeds(), "proceeds");
    }

    function invariant_aLotSettlesAtMostOnce() public view {
        assertLe(handler.maxSettledEvents(), 1, "LotSettled events for one lot");
    }

    function invariant_onlyTheOperatorOpensAndSettles() public view {
        assertEq(handler.strangerSuccesses(), 0, "calls by a non-operator that succeeded");
        assertFalse(house.hasRole(house.OPERATOR_ROLE(), handler.stranger()));
    }

    function invariant_noWithdrawalBeforeItsDelay() public view {
        assertEq(handler.earlyWithdrawals(), 0, "withdrawals before availableAt");
    }

    function invariant_noDepositRevertsBecauseOfItsCommitment() public view {
        assertEq(handler.unpausedDepositFailures(), 0, "deposits that reverted while not paused");
    }

    function invariant_aCopiedCommitmentCreditsOnlyItsDepositor() public view {
        assertEq(handler.foreignCommitmentOwnerCredits(), 0, "copied-commitment deposits credited to its owner");
    }
}
