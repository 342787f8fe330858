// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";

contract PauseTest is AuctionHouseFixture {
    function test_pause_byTheAdmin() public {
        vm.expectEmit(true, true, true, true, address(house));
        emit Pausable.Paused(admin);
        pause();
        assertTrue(house.paused());
    }

    function test_unpause_byTheAdminReopensDeposits() public {
        pause();
        vm.expectEmit(true, true, true, true, address(house));
        emit Pausable.Unpaused(admin);
        vm.prank(admin);
        house.unpause();
        assertFalse(house.paused());
        deposit(alice, aliceCommitment, 1 ether);
        assertEq(house.escrowOf(alice), 1 ether);
    }

    function test_pause_revertsForTheOperator() public {
        bytes32 role = house.DEFAULT_ADMIN_ROLE();
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, role)
        );
        house.pause();
    }

    function test_unpause_revertsForTheOperator() public {
        pause();
        bytes32 role = house.DEFAULT_ADMIN_ROLE();
        vm.prank(operator);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, operator, role)
        );
        house.unpause();
    }

    function test_pause_revertsWhenPaused() public {
        pause();
        vm.prank(admin);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        house.pause();
    }

    function test_unpause_revertsWhenNotPaused() public {
        vm.prank(admin);
        vm.expectRevert(Pausable.ExpectedPause.selector);
        house.unpause();
    }

    function test_grantRole_letsTheAdminAddAnOperator() public {
        bytes32 role = house.OPERATOR_ROLE();
        vm.prank(admin);
        house.grantRole(role, stranger);
        vm.prank(stranger);
        house.openLot(1, URI);
        assertEq(nft.ownerOf(1), address(house));
    }
}
