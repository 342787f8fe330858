// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

import {MarathonNFT} from "../src/MarathonNFT.sol";
import {RevertingReceiver} from "./helpers/RevertingReceiver.sol";
import {Test} from "./utils/Test.sol";

/// The collection on its own, with this test contract as its minter.
contract MarathonNFTTest is Test {
    MarathonNFT internal nft;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public {
        nft = new MarathonNFT("Gavel Marathon", "GAVEL");
    }

    function test_minter_isTheDeployer() public view {
        assertEq(nft.minter(), address(this));
    }

    function test_mint_setsOwnerAndUri() public {
        vm.expectEmit(true, true, true, true, address(nft));
        emit IERC721.Transfer(address(0), alice, 5);
        nft.mint(alice, 5, "ipfs://five");
        assertEq(nft.ownerOf(5), alice);
        assertEq(nft.tokenURI(5), "ipfs://five");
    }

    function test_mint_callsNoReceiverHook() public {
        RevertingReceiver wallet = new RevertingReceiver();
        nft.mint(address(wallet), 1, "ipfs://one");
        assertEq(nft.ownerOf(1), address(wallet));
    }

    function test_mint_revertsForAnExistingToken() public {
        nft.mint(alice, 1, "ipfs://one");
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidSender.selector, address(0)));
        nft.mint(bob, 1, "ipfs://one");
    }

    function test_mint_revertsForANonMinter() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(MarathonNFT.NotMinter.selector, alice));
        nft.mint(alice, 1, "ipfs://one");
    }

    function test_burn_destroysTheToken() public {
        nft.mint(alice, 1, "ipfs://one");
        nft.burn(1);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        nft.ownerOf(1);
        assertEq(nft.balanceOf(alice), 0);
    }

    function test_burn_revertsForANonMinter() public {
        nft.mint(alice, 1, "ipfs://one");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(MarathonNFT.NotMinter.selector, alice));
        nft.burn(1);
    }

    function test_burn_revertsForAMissingToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 9));
        nft.burn(9);
    }

    function test_owner_transfersAsUsual() public {
        nft.mint(alice, 1, "ipfs://one");
        vm.prank(alice);
        nft.transferFrom(alice, bob, 1);
        assertEq(nft.ownerOf(1), bob);
    }

    function test_supportsInterface_erc721AndMetadataUpdates() public view {
        assertTrue(nft.supportsInterface(0x80ac58cd), "ERC-721");
        assertTrue(nft.supportsInterface(0x5b5e139f), "ERC-721 metadata");
        assertTrue(nft.supportsInterface(0x49064906), "ERC-4906");
    }
}
