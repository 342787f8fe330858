// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";
import {ReentrantWithdrawer} from "./helpers/ReentrantWithdrawer.sol";
import {RevertingReceiver} from "./helpers/RevertingReceiver.sol";

contract RequestWithdrawalTest is AuctionHouseFixture {
    function setUp() public override {
        super.setUp();
        deposit(alice, aliceCommitment, 3 ether);
    }

    function test_requestWithdrawal_recordsRequestAvailableAfterDelay() public {
        uint64 availableAt = uint64(block.timestamp) + DELAY;
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.WithdrawalRequested(alice, 1 ether, availableAt);
        requestWithdrawal(alice, 1 ether);

        (uint256 amount, uint64 availableAtAfter) = house.pendingWithdrawal(alice);
        assertEq(amount, 1 ether);
        assertEq(availableAtAfter, availableAt);
        assertEq(house.escrowOf(alice), 3 ether, "escrow stays until the withdrawal");
    }

    function test_pendingWithdrawal_isZeroWithoutRequest() public view {
        (uint256 amount, uint64 availableAt) = house.pendingWithdrawal(alice);
        assertEq(amount, 0);
        assertEq(availableAt, 0);
    }

    function test_requestWithdrawal_mayAskForTheWholeEscrow() public {
        requestWithdrawal(alice, 3 ether);
        (uint256 amount,) = house.pendingWithdrawal(alice);
        assertEq(amount, 3 ether);
    }

    function test_requestWithdrawal_revertsWhenAmountIsZero() public {
        vm.prank(alice);
        vm.expectRevert(AuctionHouse.ZeroAmount.selector);
        house.requestWithdrawal(0);
    }

    function test_requestWithdrawal_revertsWhenOneIsPending() public {
        requestWithdrawal(alice, 1 ether);
        uint64 availableAt = uint64(block.timestamp) + DELAY;
        vm.warp(block.timestamp + 1 hours);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.WithdrawalPending.selector, 1 ether, availableAt));
        house.requestWithdrawal(1 ether);
    }

    function test_requestWithdrawal_revertsWhenAmountExceedsEscrow() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.InsufficientEscrow.selector, 3 ether, 3 ether + 1));
        house.requestWithdrawal(3 ether + 1);
    }

    function test_requestWithdrawal_revertsWithoutEscrow() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.InsufficientEscrow.selector, 0, 1));
        house.requestWithdrawal(1);
    }

    function test_requestWithdrawal_worksWhilePaused() public {
        pause();
        requestWithdrawal(alice, 1 ether);
        (uint256 amount,) = house.pendingWithdrawal(alice);
        assertEq(amount, 1 ether);
    }
}

contract WithdrawTest is AuctionHouseFixture {
    function setUp() public override {
        super.setUp();
        deposit(alice, aliceCommitment, 3 ether);
    }

    function test_withdraw_paysTheRequestAfterTheDelay() public {
        requestWithdrawal(alice, 1 ether);
        vm.warp(block.timestamp + DELAY);

        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Withdrawn(alice, 1 ether, 1 ether);
        vm.prank(alice);
        house.withdraw();

        assertEq(alice.balance, 1 ether);
        assertEq(house.escrowOf(alice), 2 ether);
        assertEq(address(house).balance, 2 ether);
        (uint256 amount, uint64 availableAt) = house.pendingWithdrawal(alice);
        assertEq(amount, 0);
        assertEq(availableAt, 0);
    }

    function test_withdraw_revertsWithoutRequest() public {
        vm.prank(alice);
        vm.expectRevert(AuctionHouse.NoWithdrawalRequested.selector);
        house.withdraw();
    }

    function test_withdraw_revertsOneSecondBeforeTheDelay() public {
        requestWithdrawal(alice, 1 ether);
        uint64 availableAt = uint64(block.timestamp) + DELAY;
        vm.warp(availableAt - 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.WithdrawalNotReady.selector, availableAt));
        house.withdraw();
    }

    function test_withdraw_revertsTheSecondTime() public {
        requestWithdrawal(alice, 1 ether);
        vm.warp(block.timestamp + DELAY);
        vm.startPrank(alice);
        house.withdraw();
        vm.expectRevert(AuctionHouse.NoWithdrawalRequested.selector);
        house.withdraw();
        vm.stopPrank();
    }

    function test_withdraw_allowsANewRequestAfterwards() public {
        requestWithdrawal(alice, 1 ether);
        vm.warp(block.timestamp + DELAY);
        vm.prank(alice);
        house.withdraw();
        requestWithdrawal(alice, 2 ether);
        (uint256 amount, uint64 availableAt) = house.pendingWithdrawal(alice);
        assertEq(amount, 2 ether);
        assertEq(availableAt, block.timestamp + DELAY);
    }

    function test_withdraw_worksWhilePaused() public {
        requestWithdrawal(alice, 1 ether);
        pause();
        vm.warp(block.timestamp + DELAY);
        vm.prank(alice);
        house.withdraw();
        assertEq(alice.balance, 1 ether);
    }

    function test_withdraw_paysWhatSettlementLeft() public {
        requestWithdrawal(alice, 2 ether);
        openLot(1);
        settleLot(1, alice, 2 ether);
        assertEq(house.escrowOf(alice), 1 ether);
        vm.warp(block.timestamp + DELAY);

        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Withdrawn(alice, 2 ether, 1 ether);
        vm.prank(alice);
        house.withdraw();

        assertEq(alice.balance, 1 ether);
        assertEq(house.escrowOf(alice), 0);
        assertEq(address(house).balance, house.treasuryProceeds());
    }

    function test_withdraw_paysNothingAndClearsTheRequestWhenSettlementTookAll() public {
        requestWithdrawal(alice, 3 ether);
        openLot(1);
        settleLot(1, alice, 3 ether);
        vm.warp(block.timestamp + DELAY);

        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Withdrawn(alice, 3 ether, 0);
        vm.prank(alice);
        house.withdraw();

        assertEq(alice.balance, 0);
        (uint256 amount,) = house.pendingWithdrawal(alice);
        assertEq(amount, 0);
    }

    function test_withdraw_revertsWhenTheWalletRefusesEther() public {
        RevertingReceiver wallet = new RevertingReceiver();
        vm.deal(address(this), 1 ether);
        wallet.deposit{value: 1 ether}(house, commitment("youtube:bob", "bob's secret", address(wallet)));
        wallet.requestWithdrawal(house, 1 ether);
        vm.warp(block.timestamp + DELAY);

        vm.expectRevert(AuctionHouse.TransferFailed.selector);
        wallet.withdraw(house);

        assertEq(house.escrowOf(address(wallet)), 1 ether, "escrow kept");
        (uint256 amount,) = house.pendingWithdrawal(address(wallet));
        assertEq(amount, 1 ether, "request kept");
    }

    function test_withdraw_rejectsReentry() public {
        ReentrantWithdrawer attacker = new ReentrantWithdrawer(house);
        vm.deal(address(this), 2 ether);
        attacker.deposit{value: 2 ether}(commitment("youtube:bob", "bob's secret", address(attacker)));
        attacker.requestWithdrawal(1 ether);
        vm.warp(block.timestamp + DELAY);

        attacker.withdraw();

        assertEq(attacker.reentryAttempts(), 1);
        assertEq(
            keccak256(attacker.reentryRevertData()),
            keccak256(abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector))
        );
        assertEq(address(attacker).balance, 1 ether, "paid once");
        assertEq(house.escrowOf(address(attacker)), 1 ether);
        assertEq(address(house).balance, 4 ether);
    }

    function testFuzz_withdraw_onlyFromAvailableAt(uint64 requestedAfter, uint64 attemptAfter) public {
        requestedAfter = uint64(bound(requestedAfter, 0, 365 days));
        attemptAfter = uint64(bound(attemptAfter, 0, 2 * uint256(DELAY)));
        vm.warp(block.timestamp + requestedAfter);
        requestWithdrawal(alice, 1 ether);
        uint64 availableAt = uint64(block.timestamp) + DELAY;

        vm.warp(block.timestamp + attemptAfter);
        vm.prank(alice);
        if (block.timestamp < availableAt) {
            vm.expectRevert(abi.encodeWithSelector(AuctionHouse.WithdrawalNotReady.selector, availableAt));
            house.withdraw();
            assertEq(alice.balance, 0);
        } else {
            house.withdraw();
            assertEq(alice.balance, 1 ether);
        }
    }

    function testFuzz_withdraw_paysTheLesserOfRequestAndEscrow(uint96 deposited, uint96 requested, uint96 price)
        public
    {
        deposited = uint96(bound(deposited, 1, type(uint96).max));
        requested = uint96(bound(requested, 1, deposited));
        price = uint96(bound(price, 1, deposited));
        deposit(bob, bobCommitment, deposited);
        requestWithdrawal(bob, requested);
        openLot(7);
        settleLot(7, bob, price);
        vm.warp(block.timestamp + DELAY);

        uint256 left = uint256(deposited) - price;
        uint256 expected = requested < left ? requested : left;
        vm.prank(bob);
        house.withdraw();

        assertEq(bob.balance, expected);
        assertEq(house.escrowOf(bob), left - expected);
        assertEq(address(house).balance, house.escrowOf(alice) + house.escrowOf(bob) + house.treasuryProceeds());
    }
}
