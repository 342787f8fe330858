// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";

/// @title MarathonNFT
/// @notice One token per auction lot of a Gavel marathon: token id = lot id. Only the contract
///         that deployed it (the AuctionHouse) mints and burns.
/// @dev Minting uses `_mint`, not `_safeMint`: tokens are minted to the house, which needs no
///      receiver hook. Transfers and metadata changes are announced by ERC-721's `Transfer` and
///      ERC-4906's `MetadataUpdate` events.
contract MarathonNFT is ERC721URIStorage {
    /// @notice The only account allowed to mint and burn: the deployer.
    address public immutable minter;

    /// @notice The caller is not the minter.
    /// @param caller The account that called a minter-only function.
    error NotMinter(address caller);

    modifier onlyMinter() {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        _;
    }

    /// @notice Creates the collection; the deployer becomes the minter.
    /// @param name_ The collection's ERC-721 name.
    /// @param symbol_ The collection's ERC-721 symbol.
    constructor(string memory name_, string memory symbol_) ERC721(name_, symbol_) {
        minter = msg.sender;
    }

    /// @notice Mints `tokenId` to `to` with metadata at `uri`, without calling a receiver hook.
    /// @dev Reverts with `ERC721InvalidSender` if `tokenId` exists, `ERC721InvalidReceiver` if `to`
    ///      is the zero address.
    /// @param to The first owner.
    /// @param tokenId The token id (the lot id).
    /// @param uri The token's metadata URI.
    function mint(address to, uint256 tokenId, string calldata uri) external onlyMinter {
        _mint(to, tokenId);
        _setTokenURI(tokenId, uri);
    }

    /// @notice Destroys `tokenId`, whoever owns it.
    /// @dev Reverts with `ERC721NonexistentToken` if `tokenId` does not exist.
    /// @param tokenId The token to burn.
    function burn(uint256 tokenId) external onlyMinter {
        _burn(tokenId);
    }
}
