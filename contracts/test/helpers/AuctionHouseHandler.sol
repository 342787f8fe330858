// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AuctionHouse} from "../../src/AuctionHouse.sol";
import {Vm} from "../utils/Vm.sol";

/// @notice Drives an AuctionHouse for the invariant tests. It deploys the house and is its
///         operator; three viewers deposit (with their own commitments, none, or another
///         viewer's), ask to withdraw and withdraw while time passes; a stranger tries the
///         operator's calls. Every call goes through try/catch and the outcomes the invariants
///         need are counted here ("ghost" state).
contract AuctionHouseHandler {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint64 public constant DELAY = 1 days;
    uint256 public constant LOT_IDS = 4;
    bytes32 private constant LOT_SETTLED = keccak256("LotSettled(uint256,address,uint256,bytes32)");

    AuctionHouse public immutable house;
    address public immutable admin = address(0xAD);
    address public immutable treasury = address(0x7EA5);
    address public immutable stranger = address(0x5EE);
    address[3] public viewers = [address(0xA11CE), address(0xB0B), address(0xCA401)];

    /// Escrow each viewer should have, kept from the calls that succeeded.
    mapping(address => uint256) public expectedEscrow;
    uint256 public expectedProceeds;
    /// `LotSettled` events seen per lot.
    mapping(uint256 => uint256) public settledEvents;
    uint256 public maxSettledEvents;
    /// When each viewer's pending request becomes available, as recorded when it was made.
    mapping(address => uint64) public requestAvailableAt;

    /// Deposits that reverted while the house was not paused: none should, whatever the commitment.
    uint256 public unpausedDepositFailures;
    /// Deposits with another viewer's commitment that changed that viewer's escrow: none should,
    /// only the depositor is credited.
    uint256 public foreignCommitmentOwnerCredits;
    uint256 public strangerAttempts;
    uint256 public strangerSuccesses;
    uint256 public withdrawals;
    uint256 public earlyWithdrawals;
    uint256 public settlements;

    constructor() {
        house = new AuctionHouse(admin, address(this), treasury, DELAY, "Gavel Marathon", "GAVEL");
    }

    /// The commitment computed off chain for a viewer's wallet; a viewer may also hold a second one
    /// (another platform).
    function commitmentOf(uint256 viewerIndex, bool second) public view returns (bytes32) {
        string memory handle = second ? "youtube:viewer" : "twitch:viewer";
        return keccak256(abi.encode(handle, "secret", viewers[viewerIndex]));
    }

    /// A viewer deposits with one of its own commitments, or with zero (a top-up).
    function deposit(uint256 viewerSeed, uint8 commitmentKind, uint256 amount) external {
        uint256 index = viewerSeed % viewers.length;
        bytes32 commitment = commitmentKind % 3 == 2 ? bytes32(0) : commitmentOf(index, commitmentKind % 3 == 1);
        _deposit(viewers[index], commitment, amount);
    }

    /// A viewer deposits with another viewer's commitment, as copied from that viewer's calldata: it
    /// succeeds and credits the depositor alone.
    function depositWithAnotherViewersCommitment(uint256 viewerSeed, uint256 ownerSeed, uint256 amount) external {
        uint256 index = viewerSeed % viewers.length;
        uint256 ownerIndex = ownerSeed % viewers.length;
        if (ownerIndex == index) ownerIndex = (index + 1) % viewers.length;
        address owner = viewers[ownerIndex];
        uint256 ownerEscrow = house.escrowOf(owner);
        _deposit(viewers[index], commitmentOf(ownerIndex, false), amount);
        if (house.escrowOf(owner) != ownerEscrow) foreignCommitmentOwnerCredits += 1;
    }

    /// Asks to withdraw for a viewer with escrow when there is one.
    function requestWithdrawal(uint256 viewerSeed, uint256 amount) external {
        address viewer = _viewerWithEscrow(viewerSeed);
        uint256 escrow = house.escrowOf(viewer);
        amount = _bound(amount, 1, escrow == 0 ? 1 : escrow);
        vm.prank(viewer);
        try house.requestWithdrawal(amount) {
            (, requestAvailableAt[viewer]) = house.pendingWithdrawal(viewer);
        } catch {}
    }

    /// Withdraws for a viewer with a pending request when there is one, ready or not.
    function withdraw(uint256 viewerSeed) external {
        address viewer = viewers[viewerSeed % viewers.length];
        for (uint256 i = 1; i < viewers.length && requestAvailableAt[viewer] == 0; i++) {
            viewer = viewers[(viewerSeed + i) % viewers.length];
        }
        uint256 balanceBefore = viewer.balance;
        vm.prank(viewer);
        try house.withdraw() {
            withdrawals += 1;
            if (block.timestamp < requestAvailableAt[viewer]) earlyWithdrawals += 1;
            delete requestAvailableAt[viewer];
            expectedEscrow[viewer] -= viewer.balance - balanceBefore;
        } catch {}
    }

    function passTime(uint256 secondsToPass) external {
        vm.warp(block.timestamp + _bound(secondsToPass, 1, 2 * uint256(DELAY)));
    }

    function openLot(uint256 lotSeed) external {
        try house.openLot(_lotId(lotSeed), "ipfs://lot") {} catch {}
    }

    /// Settles a lot, which may be not yet open or already settled, for a viewer with escrow when
    /// there is one, at a price that may exceed the winner's escrow.
    function settleLot(uint256 lotSeed, uint256 viewerSeed, uint256 amount, bytes32 bidLogHash) external {
        uint256 lotId = _lotId(lotSeed);
        address winner = _viewerWithEscrow(viewerSeed);
        amount = _bound(amount, 1, house.escrowOf(winner) + 1);
        vm.recordLogs();
        try house.settleLot(lotId, winner, amount, bidLogHash) {
            settlements += 1;
            expectedEscrow[winner] -= amount;
            expectedProceeds += amount;
        } catch {}
        _countSettledEvents();
    }

    function settleNoSale(uint256 lotSeed, bool burn, bytes32 bidLogHash) external {
        try house.settleNoSale(_lotId(lotSeed), burn, bidLogHash) {} catch {}
    }

    function claimProceeds() external {
        try house.claimProceeds() {
            expectedProceeds = 0;
        } catch {}
    }

    /// Pauses one time in four, else lifts the pause, so the house is open most of the time.
    function setPaused(uint8 seed) external {
        bool pause = seed % 4 == 0;
        if (house.paused() == pause) return;
        vm.prank(admin);
        if (pause) house.pause();
        else house.unpause();
    }

    /// Someone without the operator role tries the operator's calls; each must fail.
    function strangerActsAsOperator(uint256 lotSeed, uint8 call, uint256 amount) external {
        uint256 lotId = _lotId(lotSeed);
        strangerAttempts += 1;
        vm.prank(stranger);
        if (call % 3 == 0) {
            try house.openLot(lotId, "ipfs://forged") {
                strangerSuccesses += 1;
            } catch {}
        } else if (call % 3 == 1) {
            try house.settleLot(lotId, stranger, _bound(amount, 1, 100 ether), bytes32(0)) {
                strangerSuccesses += 1;
            } catch {}
        } else {
            try house.settleNoSale(lotId, false, bytes32(0)) {
                strangerSuccesses += 1;
            } catch {}
        }
    }

    function viewerCount() external view returns (uint256) {
        return viewers.length;
    }

    function _deposit(address viewer, bytes32 commitment, uint256 amount) private {
        amount = _bound(amount, 1, 100 ether);
        vm.deal(viewer, viewer.balance + amount);
        vm.prank(viewer);
        try house.deposit{value: amount}(commitment) {
            expectedEscrow[viewer] += amount;
        } catch {
            if (!house.paused()) unpausedDepositFailures += 1;
        }
    }

    function _countSettledEvents() private {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter != address(house) || logs[i].topics[0] != LOT_SETTLED) continue;
            uint256 lotId = uint256(logs[i].topics[1]);
            settledEvents[lotId] += 1;
            if (settledEvents[lotId] > maxSettledEvents) maxSettledEvents = settledEvents[lotId];
        }
    }

    function _viewerWithEscrow(uint256 seed) private view returns (address viewer) {
        viewer = viewers[seed % viewers.length];
        for (uint256 i = 1; i < viewers.length && house.escrowOf(viewer) == 0; i++) {
            viewer = viewers[(seed + i) % viewers.length];
        }
    }

    function _lotId(uint256 seed) private pure returns (uint256) {
        return 1 + seed % LOT_IDS;
    }

    function _bound(uint256 x, uint256 min, uint256 max) private pure returns (uint256) {
        return min + x % (max - min + 1);
    }
}
