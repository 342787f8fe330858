// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";

/// One measured call per case, written by forge to snapshots/GasTest.json (committed, so a change
/// in gas shows in review; docs/benchmarks.md quotes it).
contract GasTest is AuctionHouseFixture {
    function setUp() public override {
        super.setUp();
        deposit(alice, aliceCommitment, 2 ether);
        vm.deal(bob, 10 ether);
    }

    function test_gas_depositFirst() public {
        vm.prank(bob);
        house.deposit{value: 1 ether}(bobCommitment);
        vm.snapshotGasLastCall("deposit (first)");
    }

    function test_gas_depositRepeat() public {
        vm.prank(alice);
        vm.deal(alice, 1 ether);
        house.deposit{value: 1 ether}(aliceCommitment);
        vm.snapshotGasLastCall("deposit (repeat)");
    }

    function test_gas_depositTopUp() public {
        vm.prank(alice);
        vm.deal(alice, 1 ether);
        house.deposit{value: 1 ether}(bytes32(0));
        vm.snapshotGasLastCall("deposit (top-up, zero commitment)");
    }

    function test_gas_requestWithdrawal() public {
        vm.prank(alice);
        house.requestWithdrawal(1 ether);
        vm.snapshotGasLastCall("requestWithdrawal");
    }

    function test_gas_withdraw() public {
        requestWithdrawal(alice, 1 ether);
        vm.warp(block.timestamp + DELAY);
        vm.prank(alice);
        house.withdraw();
        vm.snapshotGasLastCall("withdraw");
    }

    function test_gas_openLotFirst() public {
        vm.prank(operator);
        house.openLot(1, URI);
        vm.snapshotGasLastCall("openLot (first lot)");
    }

    function test_gas_openLotLater() public {
        openLot(1);
        vm.prank(operator);
        house.openLot(2, URI);
        vm.snapshotGasLastCall("openLot (later lot)");
    }

    function test_gas_settleLot() public {
        openLot(1);
        vm.prank(operator);
        house.settleLot(1, alice, 1 ether, HEAD);
        vm.snapshotGasLastCall("settleLot");
    }

    function test_gas_settleNoSaleBurn() public {
        openLot(1);
        vm.prank(operator);
        house.settleNoSale(1, true, HEAD);
        vm.snapshotGasLastCall("settleNoSale (burn)");
    }

    function test_gas_settleNoSaleTreasury() public {
        openLot(1);
        vm.prank(operator);
        house.settleNoSale(1, false, HEAD);
        vm.snapshotGasLastCall("settleNoSale (treasury)");
    }

    function test_gas_claimProceeds() public {
        openLot(1);
        settleLot(1, alice, 1 ether);
        house.claimProceeds();
        vm.snapshotGasLastCall("claimProceeds");
    }
}
