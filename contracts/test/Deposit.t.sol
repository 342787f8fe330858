// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";

contract DepositTest is AuctionHouseFixture {
    function test_commitment_matchesTheOffChainEncoding() public pure {
        // keccak256(abi.encode("twitch:alice", "correct horse battery staple", 0xA11cE)), computed
        // with `cast keccak $(cast abi-encode "f(string,string,address)" ...)`: a vector the Rust
        // side shares.
        assertEq(
            commitment(
                "twitch:alice", "correct horse battery staple", 0x00000000000000000000000000000000000A11cE
            ),
            0xe98162b61c095a187fcf367cdb985e97829fa130a66f5ec849c78f2e47a13c3b
        );
    }

    function test_commitment_differsForEachDepositor() public view {
        assertTrue(
            commitment("twitch:alice", "alice's secret", alice) != commitment("twitch:alice", "alice's secret", bob),
            "the same handle and secret give another commitment for another wallet"
        );
    }

    function test_deposit_creditsEscrowAndEmitsTheCommitment() public {
        vm.deal(alice, 1 ether);
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Deposited(alice, aliceCommitment, 1 ether);
        vm.prank(alice);
        house.deposit{value: 1 ether}(aliceCommitment);

        assertEq(house.escrowOf(alice), 1 ether);
        assertEq(address(house).balance, 1 ether);
    }

    function test_deposit_walletMayReuseItsCommitment() public {
        deposit(alice, aliceCommitment, 1 ether);
        deposit(alice, aliceCommitment, 2 ether);
        assertEq(house.escrowOf(alice), 3 ether);
    }

    function test_deposit_walletMayUseSeveralCommitments() public {
        deposit(alice, aliceCommitment, 1 ether);
        deposit(alice, commitment("youtube:alice", "another secret", alice), 1 ether);
        assertEq(house.escrowOf(alice), 2 ether);
    }

    function test_deposit_copiedCommitmentFromAnotherWalletSucceeds() public {
        deposit(alice, aliceCommitment, 1 ether);
        vm.deal(bob, 1 ether);
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Deposited(bob, aliceCommitment, 1 ether);
        vm.prank(bob);
        house.deposit{value: 1 ether}(aliceCommitment);

        assertEq(house.escrowOf(bob), 1 ether, "the copier's escrow");
        assertEq(house.escrowOf(alice), 1 ether, "the owner's escrow");
    }

    function test_deposit_ownerDepositsAfterACopierFrontRanIt() public {
        deposit(bob, aliceCommitment, 1 ether);
        vm.deal(alice, 2 ether);
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Deposited(alice, aliceCommitment, 2 ether);
        vm.prank(alice);
        house.deposit{value: 2 ether}(aliceCommitment);

        assertEq(house.escrowOf(alice), 2 ether);
        assertEq(house.escrowOf(bob), 1 ether);
    }

    function test_deposit_zeroCommitmentTopsUp() public {
        deposit(alice, aliceCommitment, 1 ether);
        vm.deal(alice, 1 ether);
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Deposited(alice, bytes32(0), 1 ether);
        vm.prank(alice);
        house.deposit{value: 1 ether}(bytes32(0));

        assertEq(house.escrowOf(alice), 2 ether);
    }

    function test_deposit_revertsWhenAmountIsZero() public {
        vm.prank(alice);
        vm.expectRevert(AuctionHouse.ZeroAmount.selector);
        house.deposit(aliceCommitment);
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

    function testFuzz_deposit_neverRevertsBecauseOfItsCommitment(
        address a,
        address b,
        bytes32 c,
        bool bReusesTheCommitment,
        uint96 first,
        uint96 second
    ) public {
        // Wallets: not a precompile, the cheatcode address or a contract (the house included).
        vm.assume(uint160(a) > 0xff && uint160(b) > 0xff && a != address(vm) && b != address(vm));
        vm.assume(a.code.length == 0 && b.code.length == 0);
        first = uint96(bound(first, 1, type(uint96).max));
        second = uint96(bound(second, 1, type(uint96).max));
        bytes32 secondCommitment = bReusesTheCommitment ? c : keccak256(abi.encode(c));
        uint256 balanceBefore = address(house).balance;

        vm.deal(a, first);
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Deposited(a, c, first);
        vm.prank(a);
        house.deposit{value: first}(c);

        vm.deal(b, second);
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.Deposited(b, secondCommitment, second);
        vm.prank(b);
        house.deposit{value: second}(secondCommitment);

        if (a == b) {
            assertEq(house.escrowOf(a), uint256(first) + second, "one wallet's escrow");
        } else {
            assertEq(house.escrowOf(a), first, "first wallet's escrow");
            assertEq(house.escrowOf(b), second, "second wallet's escrow");
        }
        assertEq(address(house).balance, balanceBefore + first + second, "house balance");
    }
}
