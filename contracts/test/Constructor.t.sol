// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {AuctionHouseFixture} from "./AuctionHouseFixture.sol";

contract ConstructorTest is AuctionHouseFixture {
    function test_constructor_setsTreasuryDelayRolesAndNft() public view {
        assertEq(house.treasury(), treasury);
        assertEq(house.withdrawalDelay(), DELAY);
        assertEq(house.treasuryProceeds(), 0);
        assertTrue(house.hasRole(house.DEFAULT_ADMIN_ROLE(), admin), "admin role");
        assertTrue(house.hasRole(house.OPERATOR_ROLE(), operator), "operator role");
        assertFalse(house.hasRole(house.OPERATOR_ROLE(), admin));
        assertFalse(house.hasRole(house.DEFAULT_ADMIN_ROLE(), operator));
        assertEq(house.OPERATOR_ROLE(), keccak256("OPERATOR_ROLE"));
        assertFalse(house.paused());
    }

    function test_constructor_deploysNftWithHouseAsMinter() public view {
        assertEq(nft.minter(), address(house));
        assertEq(nft.name(), "Gavel Marathon");
        assertEq(nft.symbol(), "GAVEL");
    }

    function test_constructor_revertsWhenAdminIsZero() public {
        vm.expectRevert(AuctionHouse.ZeroAddress.selector);
        new AuctionHouse(address(0), operator, treasury, DELAY, "n", "s");
    }

    function test_constructor_revertsWhenOperatorIsZero() public {
        vm.expectRevert(AuctionHouse.ZeroAddress.selector);
        new AuctionHouse(admin, address(0), treasury, DELAY, "n", "s");
    }

    function test_constructor_revertsWhenTreasuryIsZero() public {
        vm.expectRevert(AuctionHouse.ZeroAddress.selector);
        new AuctionHouse(admin, operator, address(0), DELAY, "n", "s");
    }

    function test_constructor_revertsWhenWithdrawalDelayIsZero() public {
        vm.expectRevert(AuctionHouse.ZeroWithdrawalDelay.selector);
        new AuctionHouse(admin, operator, treasury, 0, "n", "s");
    }
}
