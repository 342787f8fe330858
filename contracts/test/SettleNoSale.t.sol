// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";

contract SettleNoSaleTest is AuctionHouseFixture {
    function setUp() public override {
        super.setUp();
        openLot(1);
    }

    function test_settleNoSale_burnsTheNft() public {
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.LotNoSale(1, true, HEAD);
        vm.expectEmit(true, true, true, true, address(nft));
        emit IERC721.Transfer(address(house), address(0), 1);
        vm.prank(operator);
        house.settleNoSale(1, true, HEAD);

        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        nft.ownerOf(1);
        assertEq(nft.balanceOf(address(house)), 0);
        assertLot(1, AuctionHouse.LotStatus.NoSale, address(0), 0, HEAD);
    }

    function test_settleNoSale_sendsTheNftToTheTreasury() public {
        vm.expectEmit(true, true, true, true, address(house));
        emit AuctionHouse.LotNoSale(1, false, HEAD);
        vm.expectEmit(true, true, true, true, address(nft));
        emit IERC721.Transfer(address(house), treasury, 1);
        vm.prank(operator);
        house.settleNoSale(1, false, HEAD);

        assertEq(nft.ownerOf(1), treasury);
        assertLot(1, AuctionHouse.LotStatus.NoSale, address(0), 0, HEAD);
        assertEq(house.treasuryProceeds(), 0);
    }

    function test_settleNoSale_revertsTheSecondTime() public {
        vm.startPrank(operator);
        house.settleNoSale(1, true, HEAD);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.LotAlreadySettled.selector, 1));
        house.settleNoSale(1, false, HEAD);
        vm.stopPrank();
    }

    function test_settleNoSale_revertsAfterASale() public {
        deposit(alice, aliceCommitment, 1 ether);
        settleLot(1, alice, 1 ether);
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.LotAlreadySettled.selector, 1));
        house.settleNoSale(1, true, HEAD);
        assertEq(nft.ownerOf(1), alice);
    }

    function test_settleNoSale_revertsWhenTheLotWasNeverOpened() public {
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(AuctionHouse.LotNotOpen.selector, 2));
        house.settleNoSale(2, true, HEAD);
    }

    function test_settleNoSale_revertsForANonOperator() public {
        bytes32 role = house.OPERATOR_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        house.settleNoSale(1, true, HEAD);
    }

    function test_settleNoSale_revertsWhenPaused() public {
        pause();
        vm.prank(operator);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        house.settleNoSale(1, true, HEAD);
    }
}
