// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";

contract OpenLotTest is AuctionHouseFixture {
    function test_openLot_mintsTheLotsTokenToTheHouse() public {
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.LotOpened(42, URI);
        vm.expectEmit(true, true, true, true, address(nft));
        emit IERC721.Transfer(address(0), address(house), 42);
        openLot(42);

        assertEq(nft.ownerOf(42), address(house));
        assertEq(nft.tokenURI(42), URI);
        assertLot(42, AuctionHouse.LotStatus.Open, address(0), 0, bytes32(0));
    }

    function test_lotOf_isNoneForAnUnknownLot() public view {
        assertLot(1, AuctionHouse.LotStatus.None, address(0), 0, bytes32(0));
    }

    function test_openLot_revertsWhenAlreadyOpen() public {
        openLot(1);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.LotAlreadyOpened.selector, 1));
        house.openLot(1, URI);
    }

    function test_openLot_revertsWhenAlreadySettled() public {
        deposit(alice, aliceCommitment, 1 ether);
        openLot(1);
        settleLot(1, alice, 1 ether);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.LotAlreadyOpened.selector, 1));
        house.openLot(1, URI);
    }

    function test_openLot_revertsAfterANoSaleBurn() public {
        openLot(1);
        vm.prank(operator);
        house.settleNoSale(1, true, HEAD);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.LotAlreadyOpened.selector, 1));
        house.openLot(1, URI);
    }

    function test_openLot_revertsForANonOperator() public {
        bytes32 role = house.OPERATOR_ROLE();
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        house.openLot(1, URI);
    }

    function test_openLot_revertsWhenPaused() public {
        pause();
        vm.prank(operator);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        house.openLot(1, URI);
    }
}
