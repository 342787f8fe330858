// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {MarathonNFT} from "./MarathonNFT.sol";

/// @title AuctionHouse
/// @notice Settles the lots of one Gavel deployment. Viewers escrow ETH here, bids are taken off
///         chain, and the operator settles each lot once: the lot's NFT goes to the winner and the
///         winning amount moves from the winner's escrow to the treasury's unclaimed proceeds.
/// @dev Each lot's NFT is minted to the house when the lot opens. No ETH enters except through
///      `deposit` (there is no `receive` or `fallback`), and ETH leaves only through `withdraw`
///      and `claimProceeds`, both pull payments, so neither a winner nor the treasury can block a
///      settlement.
contract AuctionHouse is AccessControl, Pausable, ReentrancyGuard {
    /// @notice The role that opens and settles lots (the settlement service's signer).
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @notice Where a lot is in its life.
    /// @dev `None`: never opened; `Open`: NFT minted to the house; `Settled`: sold to a winner;
    ///      `NoSale`: closed without a sale.
    enum LotStatus {
        None,
        Open,
        Settled,
        NoSale
    }

    struct Lot {
        LotStatus status;
        address winner;
        uint256 amount;
        bytes32 bidLogHash;
    }

    struct WithdrawalRequest {
        uint256 amount;
        uint64 availableAt;
    }

    /// @notice The collection whose tokens are this house's lots; the house is its minter.
    MarathonNFT public immutable nft;

    /// @notice The account that receives the proceeds of sales.
    address public immutable treasury;

    /// @notice Seconds between a withdrawal request and the moment it can be withdrawn. It is
    ///         longer than a lot plus its settlement window, so that escrow backing a bid stays
    ///         until the lot is settled.
    uint64 public immutable withdrawalDelay;

    /// @notice Proceeds of settled lots not yet claimed for the treasury, in wei.
    uint256 public treasuryProceeds;

    /// @notice Each wallet's escrow, in wei, including any amount it has asked to withdraw.
    mapping(address => uint256) public escrowOf;

    mapping(uint256 lotId => Lot) private _lots;
    mapping(address wallet => WithdrawalRequest) private _withdrawals;

    /// @notice `wallet` added `amount` wei to its escrow under `commitment`.
    event Deposited(address indexed wallet, bytes32 indexed commitment, uint256 amount);
    /// @notice `wallet` asked to withdraw `amount` wei, which it can do from `availableAt`.
    event WithdrawalRequested(address indexed wallet, uint256 amount, uint64 availableAt);
    /// @notice `wallet` withdrew `paid` wei of the `requested`; `paid` is less when settlements drew
    ///         on its escrow after the request.
    event Withdrawn(address indexed wallet, uint256 requested, uint256 paid);
    /// @notice Lot `lotId` opened; its NFT was minted to the house with `tokenURI`.
    event LotOpened(uint256 indexed lotId, string tokenURI);
    /// @notice Lot `lotId` sold to `winner` for `amount` wei; `bidLogHash` is the head of its bid log.
    event LotSettled(uint256 indexed lotId, address indexed winner, uint256 amount, bytes32 bidLogHash);
    /// @notice Lot `lotId` closed without a sale; its NFT was burned if `burned`, else sent to the
    ///         treasury.
    event LotNoSale(uint256 indexed lotId, bool burned, bytes32 bidLogHash);
    /// @notice `amount` wei of proceeds were paid to `treasury`.
    event ProceedsClaimed(address indexed treasury, uint256 amount);

    /// @notice An address argument was the zero address.
    error ZeroAddress();
    /// @notice The withdrawal delay given to the constructor was zero.
    error ZeroWithdrawalDelay();
    /// @notice An amount (deposit, withdrawal or sale) was zero.
    error ZeroAmount();
    /// @notice The caller already has a request for `amount` wei, available at `availableAt`.
    error WithdrawalPending(uint256 amount, uint64 availableAt);
    /// @notice The escrow holds `available` wei, less than the `required`.
    error InsufficientEscrow(uint256 available, uint256 required);
    /// @notice The caller has no withdrawal request.
    error NoWithdrawalRequested();
    /// @notice The caller's withdrawal can be made only from `availableAt`.
    error WithdrawalNotReady(uint64 availableAt);
    /// @notice Sending ETH failed.
    error TransferFailed();
    /// @notice Lot `lotId` was opened before.
    error LotAlreadyOpened(uint256 lotId);
    /// @notice Lot `lotId` was settled (sold or not) before.
    error LotAlreadySettled(uint256 lotId);
    /// @notice Lot `lotId` was never opened.
    error LotNotOpen(uint256 lotId);
    /// @notice There are no unclaimed proceeds.
    error NothingToClaim();

    /// @notice Deploys the house and its NFT collection.
    /// @param admin Holder of the default admin role: grants roles, pauses and unpauses.
    /// @param operator Holder of the operator role: opens and settles lots.
    /// @param treasury_ The account that receives the proceeds.
    /// @param withdrawalDelay_ Seconds from a withdrawal request to the withdrawal; not zero.
    /// @param nftName The NFT collection's name.
    /// @param nftSymbol The NFT collection's symbol.
    constructor(
        address admin,
        address operator,
        address treasury_,
        uint64 withdrawalDelay_,
        string memory nftName,
        string memory nftSymbol
    ) {
        if (admin == address(0) || operator == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (withdrawalDelay_ == 0) revert ZeroWithdrawalDelay();
        treasury = treasury_;
        withdrawalDelay = withdrawalDelay_;
        nft = new MarathonNFT(nftName, nftSymbol);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(OPERATOR_ROLE, operator);
    }

    // ---------------------------------------------------------------- views

    /// @notice A lot's state.
    /// @param lotId The lot.
    /// @return status Where the lot is in its life.
    /// @return winner The buyer, zero unless settled with a sale.
    /// @return amount The price in wei, zero unless settled with a sale.
    /// @return bidLogHash The head of the lot's bid log, zero before settlement.
    function lotOf(uint256 lotId)
        external
        view
        returns (LotStatus status, address winner, uint256 amount, bytes32 bidLogHash)
    {
        Lot storage lot = _lots[lotId];
        return (lot.status, lot.winner, lot.amount, lot.bidLogHash);
    }

    /// @notice The head of a lot's bid log as recorded at settlement, zero before.
    /// @dev The off-chain bid log is a hash chain; `gavel verify` recomputes it and compares.
    /// @param lotId The lot.
    /// @return The recorded head.
    function bidLogHash(uint256 lotId) external view returns (bytes32) {
        return _lots[lotId].bidLogHash;
    }

    /// @notice A wallet's withdrawal request; both values are zero when there is none.
    /// @param wallet The wallet.
    /// @return amount The requested amount in wei.
    /// @return availableAt When the withdrawal can be made (unix seconds).
    function pendingWithdrawal(address wallet) external view returns (uint256 amount, uint64 availableAt) {
        WithdrawalRequest storage request = _withdrawals[wallet];
        return (request.amount, request.availableAt);
    }

    // ---------------------------------------------------------------- escrow

    /// @notice Adds the sent ETH to the caller's escrow, under a commitment that links the wallet
    ///         to a chat identity.
    /// @dev The commitment is
    ///      `keccak256(abi.encode(string handle, string secret, address depositor))`, with `handle`
    ///      being `platform:login` in lower case, computed off chain. The contract records nothing
    ///      of it and only emits it: Gavel verifies the binding off chain, and a commitment binds
    ///      only the wallet it was computed for, so a copy taken from calldata binds nothing. No
    ///      commitment makes a deposit revert, so a copy cannot block its owner's deposit either.
    /// @param commitment The commitment, or zero for a top-up from a wallet already linked.
    function deposit(bytes32 commitment) external payable whenNotPaused {
        if (msg.value == 0) revert ZeroAmount();
        escrowOf[msg.sender] += msg.value;
        emit Deposited(msg.sender, commitment, msg.value);
    }

    /// @notice Asks to withdraw `amount` wei of the caller's escrow after `withdrawalDelay`.
    /// @dev Works while paused: viewers can always leave. Off chain, the requested amount stops
    ///      backing new bids at once; settlements may still draw on the escrow until the
    ///      withdrawal, which then pays what is left, up to `amount`.
    /// @param amount The amount in wei; not zero, at most the escrow.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        WithdrawalRequest storage request = _withdrawals[msg.sender];
        if (request.amount != 0) revert WithdrawalPending(request.amount, request.availableAt);
        uint256 available = escrowOf[msg.sender];
        if (amount > available) revert InsufficientEscrow(available, amount);
        uint64 availableAt = uint64(block.timestamp) + withdrawalDelay;
        request.amount = amount;
        request.availableAt = availableAt;
        emit WithdrawalRequested(msg.sender, amount, availableAt);
    }

    /// @notice Pays the caller's withdrawal request once its delay has passed: the requested
    ///         amount, or the whole escrow if settlements have left less.
    /// @dev Works while paused. The request is cleared even when nothing is left to pay.
    function withdraw() external nonReentrant {
        WithdrawalRequest memory request = _withdrawals[msg.sender];
        if (request.amount == 0) revert NoWithdrawalRequested();
        if (block.timestamp < request.availableAt) revert WithdrawalNotReady(request.availableAt);
        uint256 available = escrowOf[msg.sender];
        uint256 paid = request.amount < available ? request.amount : available;
        delete _withdrawals[msg.sender];
        escrowOf[msg.sender] = available - paid;
        emit Withdrawn(msg.sender, request.amount, paid);
        if (paid != 0) _sendValue(msg.sender, paid);
    }

    // ---------------------------------------------------------------- lots

    /// @notice Opens lot `lotId`, minting its NFT (token id = lot id) to the house.
    /// @param lotId The lot; never opened before.
    /// @param tokenURI The NFT's metadata URI.
    function openLot(uint256 lotId, string calldata tokenURI) external onlyRole(OPERATOR_ROLE) whenNotPaused {
        Lot storage lot = _lots[lotId];
        if (lot.status != LotStatus.None) revert LotAlreadyOpened(lotId);
        lot.status = LotStatus.Open;
        emit LotOpened(lotId, tokenURI);
        nft.mint(address(this), lotId, tokenURI);
    }

    /// @notice Sells open lot `lotId` to `winner` for `amount` wei, taken from the winner's escrow
    ///         and credited to the treasury's proceeds, and gives the winner the NFT. Once per lot.
    /// @dev The NFT moves with `transferFrom`, which calls no receiver hook, so a contract wallet
    ///      cannot block settlement. A pending withdrawal of the winner stays; it pays what is left.
    /// @param lotId The lot; open.
    /// @param winner The buyer; not zero.
    /// @param amount The price in wei; not zero, at most the winner's escrow.
    /// @param bidLogHash_ The head of the lot's bid log.
    function settleLot(uint256 lotId, address winner, uint256 amount, bytes32 bidLogHash_)
        external
        onlyRole(OPERATOR_ROLE)
        whenNotPaused
    {
        Lot storage lot = _requireOpen(lotId);
        if (winner == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        uint256 available = escrowOf[winner];
        if (available < amount) revert InsufficientEscrow(available, amount);
        lot.status = LotStatus.Settled;
        lot.winner = winner;
        lot.amount = amount;
        lot.bidLogHash = bidLogHash_;
        escrowOf[winner] = available - amount;
        treasuryProceeds += amount;
        emit LotSettled(lotId, winner, amount, bidLogHash_);
        nft.transferFrom(address(this), winner, lotId);
    }

    /// @notice Closes open lot `lotId` without a sale, burning its NFT or sending it to the
    ///         treasury. Once per lot.
    /// @param lotId The lot; open.
    /// @param burn Whether to burn the NFT (else it goes to the treasury, without a receiver hook).
    /// @param bidLogHash_ The head of the lot's bid log.
    function settleNoSale(uint256 lotId, bool burn, bytes32 bidLogHash_)
        external
        onlyRole(OPERATOR_ROLE)
        whenNotPaused
    {
        Lot storage lot = _requireOpen(lotId);
        lot.status = LotStatus.NoSale;
        lot.bidLogHash = bidLogHash_;
        emit LotNoSale(lotId, burn, bidLogHash_);
        if (burn) {
            nft.burn(lotId);
        } else {
            nft.transferFrom(address(this), treasury, lotId);
        }
    }

    // ---------------------------------------------------------------- treasury

    /// @notice Pays all unclaimed proceeds to the treasury. Anyone may call it.
    /// @dev Works while paused. A treasury that refuses ETH only makes this call revert.
    function claimProceeds() external nonReentrant {
        uint256 amount = treasuryProceeds;
        if (amount == 0) revert NothingToClaim();
        treasuryProceeds = 0;
        emit ProceedsClaimed(treasury, amount);
        _sendValue(treasury, amount);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Stops deposits, openings and settlements. Withdrawals and claims go on.
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @notice Lifts a pause.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- internal

    function _requireOpen(uint256 lotId) private view returns (Lot storage lot) {
        lot = _lots[lotId];
        if (lot.status == LotStatus.Settled || lot.status == LotStatus.NoSale) revert LotAlreadySettled(lotId);
        if (lot.status == LotStatus.None) revert LotNotOpen(lotId);
    }

    function _sendValue(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }
}
