// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";
import {RevertingReceiver} from "./helpers/RevertingReceiver.sol";

contract SettleLotTest is AuctionHouseFixture {
    function setUp() public override {
        super.setUp();
        deposit(alice, aliceCommitment, 3 ether);
        openLot(1);
    }

    function test_settleLot_givesTheNftToTheWinnerAndCreditsTheTreasury() public {
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.LotSettled(1, alice, 2 ether, HEAD);
        vm.expectEmit(true, true, true, true, address(nft));
        emit IERC721.Transfer(address(house), alice, 1);
        settleLot(1, alice, 2 ether);

        assertEq(nft.ownerOf(1), alice);
        assertLot(1, AuctionHouse.LotStatus.Settled, alice, 2 ether, HEAD);
        assertEq(house.escrowOf(alice), 1 ether);
        assertEq(house.treasuryProceeds(), 2 ether);
        assertEq(address(house).balance, 3 ether, "no ETH leaves at settlement");
    }

    function test_settleLot_mayTakeTheWholeEscrow() public {
        settleLot(1, alice, 3 ether);
        assertEq(house.escrowOf(alice), 0);
        assertEq(house.treasuryProceeds(), 3 ether);
    }

    function test_settleLot_revertsTheSecondTime() public {
        settleLot(1, alice, 1 ether);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.LotAlreadySettled.selector, 1));
        house.settleLot(1, alice, 1 ether, HEAD);
        assertEq(house.treasuryProceeds(), 1 ether);
    }

    function test_settleLot_revertsAfterNoSale() public {
        vm.prank(operator);
        house.settleNoSale(1, false, HEAD);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.LotAlreadySettled.selector, 1));
        house.settleLot(1, alice, 1 ether, HEAD);
    }

    function test_settleLot_revertsWhenTheLotWasNeverOpened() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.LotNotOpen.selector, 2));
        house.settleLot(2, alice, 1 ether, HEAD);
    }

    function test_settleLot_revertsWhenTheWinnerIsZero() public {
        vm.prank(operator);
        vm.expectRevert(AuctionHouse.ZeroAddress.selector);
        house.settleLot(1, address(0), 1 ether, HEAD);
    }

    function test_settleLot_revertsWhenTheAmountIsZero() public {
        vm.prank(operator);
        vm.expectRevert(AuctionHouse.ZeroAmount.selector);
        house.settleLot(1, alice, 0, HEAD);
    }

    function test_settleLot_revertsWhenTheEscrowIsShort() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.InsufficientEscrow.selector, 3 ether, 3 ether + 1));
        house.settleLot(1, alice, 3 ether + 1, HEAD);
    }

    function test_settleLot_revertsForANonOperator() public {
        bytes32 role = house.OPERATOR_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        house.settleLot(1, alice, 1 ether, HEAD);
    }

    function test_settleLot_revertsWhenPaused() public {
        pause();
        vm.prank(operator);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        house.settleLot(1, alice, 1 ether, HEAD);
    }

    function test_settleLot_givesTheNftToAContractThatRefusesIt() public {
        RevertingReceiver wallet = new RevertingReceiver();
        vm.deal(address(this), 1 ether);
        wallet.deposit{value: 1 ether}(house, commitment("youtube:bob", "bob's secret", address(wallet)));

        settleLot(1, address(wallet), 1 ether);

        assertEq(nft.ownerOf(1), address(wallet));
        assertLot(1, AuctionHouse.LotStatus.Settled, address(wallet), 1 ether, HEAD);
    }

    function test_settleLot_leavesThePendingWithdrawalAsItIs() public {
        requestWithdrawal(alice, 2 ether);
        (, uint64 availableAt) = house.pendingWithdrawal(alice);
        settleLot(1, alice, 2 ether);
        (uint256 amount, uint64 availableAtAfter) = house.pendingWithdrawal(alice);
        assertEq(amount, 2 ether);
        assertEq(availableAtAfter, availableAt);
    }

    function testFuzz_settleLot_movesThePriceFromEscrowToProceeds(uint96 deposited, uint96 price) public {
        deposited = uint96(bound(deposited, 1, type(uint96).max));
        deposit(bob, bobCommitment, deposited);
        vm.prank(operator);
        if (price == 0) {
            vm.expectRevert(AuctionHouse.ZeroAmount.selector);
            house.settleLot(1, bob, price, HEAD);
        } else if (price > deposited) {
            vm.expectRevert(abi.encodeWithSelector(AuctionHouse.InsufficientEscrow.selector, deposited, price));
            house.settleLot(1, bob, price, HEAD);
        } else {
            house.settleLot(1, bob, price, HEAD);
            assertEq(house.escrowOf(bob), uint256(deposited) - price);
            assertEq(house.treasuryProceeds(), price);
            assertEq(nft.ownerOf(1), bob);
        }
        assertEq(address(house).balance, house.escrowOf(alice) + house.escrowOf(bob) + house.treasuryProceeds());
    }
}

/// A treasury that refuses ETH blocks only its own claim.
contract RefusingTreasuryTest is AuctionHouseFixture {
    RevertingReceiver internal refusingTreasury;

    function setUp() public override {
        refusingTreasury = new RevertingReceiver();
        house = deploy(address(refusingTreasury));
        deposit(alice, aliceCommitment, 1 ether);
        openLot(1);
    }

    function test_settleLot_succeedsAndOnlyTheClaimFails() public {
        settleLot(1, alice, 1 ether);
        assertEq(nft.ownerOf(1), alice);
        assertEq(house.treasuryProceeds(), 1 ether);

        vm.expectRevert(AuctionHouse.TransferFailed.selector);
        house.claimProceeds();
        assertEq(house.treasuryProceeds(), 1 ether, "proceeds kept");
        assertEq(address(house).balance, 1 ether);
    }

    function test_settleNoSale_sendsTheNftToATreasuryThatRefusesIt() public {
        vm.prank(operator);
        house.settleNoSale(1, false, HEAD);
        assertEq(nft.ownerOf(1), address(refusingTreasury));
    }
}
