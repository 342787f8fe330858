// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";

contract ClaimProceedsTest is AuctionHouseFixture {
    function setUp() public override {
        super.setUp();
        deposit(alice, aliceCommitment, 3 ether);
        openLot(1);
        openLot(2);
    }

    function test_claimProceeds_paysEverySaleToTheTreasury() public {
        settleLot(1, alice, 1 ether);
        settleLot(2, alice, 0.5 ether);

        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.ProceedsClaimed(treasury, 1.5 ether);
        vm.prank(stranger);
        house.claimProceeds();

        assertEq(treasury.balance, 1.5 ether);
        assertEq(house.treasuryProceeds(), 0);
        assertEq(address(house).balance, 1.5 ether);
        assertEq(house.escrowOf(alice), 1.5 ether);
    }

    function test_claimProceeds_revertsWhenNothingIsUnclaimed() public {
        vm.expectRevert(AuctionHouse.NothingToClaim.selector);
        house.claimProceeds();
    }

    function test_claimProceeds_revertsTheSecondTime() public {
        settleLot(1, alice, 1 ether);
        house.claimProceeds();
        vm.expectRevert(AuctionHouse.NothingToClaim.selector);
        house.claimProceeds();
    }

    function test_claimProceeds_worksWhilePaused() public {
        settleLot(1, alice, 1 ether);
        pause();
        house.claimProceeds();
        assertEq(treasury.balance, 1 ether);
    }
}
