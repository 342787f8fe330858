// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";

contract DepositTest is AuctionHouseFixture {
    function test_commitment_matchesTheOffChainEncoding() public pure {
        // keccak256(abi.encode("twitch:alice", "correct horse battery staple")), computed with
        // `cast keccak $(cast abi-encode "f(string,string)" ...)`: a vector the Rust side can share.
        assertEq(
            commitment("twitch:alice", "correct horse battery staple"),
            0xc1c2db4dc743c23a9ffa5ca78f11fa0dec685c4337c4c92dd9327beade127888
        );
    }

    function test_deposit_creditsEscrowAndRecordsCommitmentOwner() public {
        vm.deal(alice, 1 ether);
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Deposited(alice, aliceCommitment, 1 ether);
        vm.prank(alice);
        house.deposit{value: 1 ether}(aliceCommitment);

        assertEq(house.escrowOf(alice), 1 ether);
        assertEq(house.commitmentOwner(aliceCommitment), alice);
        assertEq(address(house).balance, 1 ether);
    }

    function test_deposit_ownerMayReuseItsCommitment() public {
        deposit(alice, aliceCommitment, 1 ether);
        deposit(alice, aliceCommitment, 2 ether);
        assertEq(house.escrowOf(alice), 3 ether);
        assertEq(house.commitmentOwner(aliceCommitment), alice);
    }

    function test_deposit_walletMayUseSeveralCommitments() public {
        bytes32 second = commitment("youtube:alice", "another secret");
        deposit(alice, aliceCommitment, 1 ether);
        deposit(alice, second, 1 ether);
        assertEq(house.escrowOf(alice), 2 ether);
        assertEq(house.commitmentOwner(second), alice);
    }

    function test_deposit_revertsWhenAmountIsZero() public {
        vm.prank(alice);
        vm.expectRevert(AuctionHouse.ZeroAmount.selector);
        house.deposit(aliceCommitment);
    }

    function test_deposit_revertsWhenCommitmentIsZero() public {
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(AuctionHouse.ZeroCommitment.selector);
        house.deposit{value: 1 ether}(bytes32(0));
    }

    function test_deposit_revertsWhenCommitmentBelongsToAnotherWallet() public {
        deposit(alice, aliceCommitment, 1 ether);
        vm.deal(bob, 1 ether);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.CommitmentTaken.selector, aliceCommitment, alice));
        house.deposit{value: 1 ether}(aliceCommitment);
        assertEq(house.escrowOf(bob), 0);
    }

    function test_deposit_revertsWhenPaused() public {
        pause();
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        house.deposit{value: 1 ether}(aliceCommitment);
    }

    function test_house_refusesEtherOutsideDeposit() public {
        vm.deal(alice, 2 ether);
        vm.prank(alice);
        (bool plain,) = address(house).call{value: 1 ether}("");
        assertFalse(plain);
        vm.prank(alice);
        (bool unknown,) = address(house).call{value: 1 ether}(hex"12345678");
        assertFalse(unknown);
        assertEq(address(house).balance, 0);
    }

    function testFuzz_deposit_creditsTheSumOfDeposits(uint128 first, uint128 second) public {
        vm.assume(first != 0 && second != 0);
        deposit(alice, aliceCommitment, first);
        deposit(alice, aliceCommitment, second);
        assertEq(house.escrowOf(alice), uint256(first) + second);
        assertEq(address(house).balance, uint256(first) + second);
    }

    function testFuzz_deposit_commitmentStaysWithItsFirstWallet(address first, address second, bytes32 commitment_)
        public
    {
        vm.assume(first != second && commitment_ != bytes32(0));
        vm.assume(first.code.length == 0 && uint160(first) > 0xff && uint160(second) > 0xff);
        deposit(first, commitment_, 1);
        vm.deal(second, 1);
        vm.prank(second);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.CommitmentTaken.selector, commitment_, first));
        house.deposit{value: 1}(commitment_);
    }
}
