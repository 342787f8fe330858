// The JSON shapes of the public API (services/auction-manager/src/api/public.rs and the types it
// serves from gavel_store::viewers and gavel_live), written by hand to match them: not yet
// generated from the Rust types, so a change there must be made here too.
export type LotState = 'PENDING' | 'ACTIVE' | 'PROCESSING' | 'COMPLETED' | 'CANCELLED';
export type BidRules = { reserve_wei: string; increment_bps: number; min_increment_wei: string; anti_snipe_window_secs: number; anti_snipe_extension_secs: number };
export type PublicChain = { chain_id: number; name: string; auction_house: string; explorer_url: string | null; public_rpc_url: string; reorg_depth: number; ipfs_gateway: string };
export type PublicChannel = { platform: string; channel: string; platform_name: string; login_hint: string };
export type PublicBid = { name: string; amount_wei: string };
export type PublicLot = { id: number; day_index: number; token_id: number; token_uri: string; image_url: string; state: LotState; starts_at: string; ends_at: string; extensions_used: number; high: PublicBid | null; buyer: string | null; settle_tx: string | null };
export type PublicMarathon = { id: number; name: string; time_zone: string; first_day: string; days: number; rules: BidRules; channels: Array<PublicChannel>; public_url: string | null; show_join_qr: boolean; lots: Array<PublicLot>; next_after_day: number | null };
export type LiveBid = { bidder: string; name: string; amount_wei: string; amount_eth: string };
export type LotLive = { id: number; marathon_id: number; title: string; image_url: string; state: LotState; starts_at: string; ends_at: string; extensions_used: number; high: LiveBid | null; top: Array<LiveBid>; participants: number };
export type PublicLive = { marathon_id: number; marathon_name: string; lot: LotLive | null; server_time: string; rules: BidRules; public_url: string | null; show_join_qr: boolean };
export type BidLogEntry = { position: number; kind: number; bid_id: number; bidder: string; wallet: string; amount_wei: string; by_proxy: boolean; received_at: string; received_at_ms: number; voided: boolean };
export type BidLog = { lot_id: number; state: LotState; entries: Array<BidLogEntry> };
export type PublicBidder = { id: string; handle: string; display_name: string };
export type WalletLot = { lot_id: number; marathon_id: number; token_id: number; state: LotState; amount_wei: string; settle_tx: string | null };
export type WalletDeposit = { tx_hash: string; block_number: number; amount_wei: string };
export type PublicWallet = { wallet: string; bidder: PublicBidder | null; escrow_wei: string; pending_withdrawal_wei: string; committed_wei: string; power_wei: string; leads: Array<WalletLot>; won: Array<WalletLot>; deposits: Array<WalletDeposit> };
