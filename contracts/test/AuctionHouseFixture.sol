// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AuctionHouse} from "../src/AuctionHouse.sol";
import {MarathonNFT} from "../src/MarathonNFT.sol";
import {Test} from "./utils/Test.sol";

/// @notice A deployed house with named accounts, and the steps most tests start from.
abstract contract AuctionHouseFixture is Test {
    uint64 internal constant DELAY = 2 days;
    string internal constant URI = "ipfs://bafy/lot.json";
    bytes32 internal constant HEAD = keccak256("bid log head");

    address internal admin = makeAddr("admin");
    address internal operator = makeAddr("operator");
    address internal treasury = makeAddr("treasury");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal stranger = makeAddr("stranger");

    bytes32 internal aliceCommitment = commitment("twitch:alice", "alice's secret", alice);
    bytes32 internal bobCommitment = commitment("youtube:bob", "bob's secret", bob);

    AuctionHouse internal house;
    MarathonNFT internal nft;

    function setUp() public virtual {
        house = deploy(treasury);
    }

    function deploy(address treasury_) internal returns (AuctionHouse deployed) {
        deployed = new AuctionHouse(admin, operator, treasury_, DELAY, "Gavel Marathon", "GAVEL");
        nft = deployed.nft();
        vm.label(address(deployed), "house");
        vm.label(address(nft), "nft");
    }

    /// @notice The commitment as computed off chain: `handle` is `platform:login` in lower case and
    ///         `depositor` the wallet it binds.
    function commitment(string memory handle, string memory secret, address depositor)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(handle, secret, depositor));
    }

    function deposit(address wallet, bytes32 commitment_, uint256 amount) internal {
        vm.deal(wallet, wallet.balance + amount);
        vm.prank(wallet);
        house.deposit{value: amount}(commitment_);
    }

    function openLot(uint256 lotId) internal {
        vm.prank(operator);
        house.openLot(lotId, URI);
    }

    function settleLot(uint256 lotId, address winner, uint256 amount) internal {
        vm.prank(operator);
        house.settleLot(lotId, winner, amount, HEAD);
    }

    function requestWithdrawal(address wallet, uint256 amount) internal {
        vm.prank(wallet);
        house.requestWithdrawal(amount);
    }

    function pause() internal {
        vm.prank(admin);
        house.pause();
    }

    function assertLot(
        uint256 lotId,
        AuctionHouse.LotStatus status,
        address winner,
        uint256 amount,
        bytes32 bidLogHash
    ) internal view {
        (AuctionHouse.LotStatus status_, address winner_, uint256 amount_, bytes32 bidLogHash_) = house.lotOf(lotId);
        assertTrue(status_ == status, "lot status");
        assertEq(winner_, winner);
        assertEq(amount_, amount);
        assertEq(bidLogHash_, bidLogHash);
        assertEq(house.bidLogHash(lotId), bidLogHash);
    }
}
