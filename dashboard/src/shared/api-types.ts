// Generated from the Rust types of Gavel's API by services/auction-manager/src/api/typescript.rs:
// do not edit. `GAVEL_WRITE_API_TYPES=1 cargo test -p gavel-auction-manager api_types` writes it anew.

export type Amount = { wei: string, eth: string, };

/**
 * A bidder after a ban, with the bids voided with it.
 */
export type Banned = { bidder: Bidder, voided_bids: Array<BidId>, };

export type Beat = { last_beat_ms_ago: number, };

/**
 * A bid as the API shows it.
 */
export type Bid = { id: BidId, lot_id: LotId | null, bidder: string, kind: string, offered_wei: string, decision: string, reason_code: string | null, reason: string | null, received_at: string, decided_at: string, voided_at: string | null, void_reason: string | null, };

export type BidAccepted = { 
/**
 * The chat message's id (`platform:id`), to answer it.
 */
message_id: string, 
/**
 * Where it was typed (`platform:channel`).
 */
channel: string, lot_id: LotId, bid_id: BidId, bidder: BidderId, 
/**
 * A `!bid max`: its ceiling stays private (these events reach public streams).
 */
max_bid: boolean, 
/**
 * The amount this bid entered into the bid log; none when a leader only raised their max.
 */
amount: string | null, high_bidder: BidderId, high_amount: string, 
/**
 * Who led before this bid and no longer does.
 */
outbid: BidderId | null, ends_at: string, received_at: string, };

/**
 * A decided bid's database id.
 */
export type BidId = number;

/**
 * A lot's public bid log: its accepted bids and voids in decision order, the entries of the hash
 * chain whose head goes on chain at settlement.
 */
export type BidLog = { lot_id: LotId, state: LotState, entries: Array<BidLogEntry>, };

/**
 * One entry of a lot's bid log.
 */
export type BidLogEntry = { position: number, 
/**
 * 1: an accepted amount (proxy raises included); 2: a void of an earlier entry; 3: its
 * reinstatement (the void undone while the lot was open).
 */
kind: number, bid_id: BidId, bidder: string, wallet: string, amount_wei: string, by_proxy: boolean, received_at: string, 
/**
 * `received_at` in Unix milliseconds, as the hash chain covers it (a browser recomputes the
 * chain from these without parsing dates).
 */
received_at_ms: number, voided: boolean, };

export type BidPage = { bids: Array<Bid>, 
/**
 * Pass as `before` for the next (older) page; absent on the last page.
 */
next_before: BidId | null, };

/**
 * An operator undid a void while the lot was open: the bid stands again.
 */
export type BidReinstated = { lot_id: LotId, bid_id: BidId, bidder: BidderId, 
/**
 * As `bid.voided`'s: none for a max bid's private ceiling.
 */
amount: string | null, 
/**
 * The lead after the reinstatement, recomputed from the standing bids.
 */
high_bidder: BidderId | null, high_amount: string | null, };

export type BidRejected = { 
/**
 * The chat message's id (`platform:id`), to answer it.
 */
message_id: string, 
/**
 * Where it was typed (`platform:channel`).
 */
channel: string, lot_id: LotId | null, bidder: BidderId, 
/**
 * The amount offered (a `!bid max`'s ceiling stays private: none); none in events stored
 * before it was carried.
 */
amount: string | null, reason: Rejection, 
/**
 * The reason in the words the viewer is told.
 */
message: string, received_at: string, };

/**
 * The rules a viewer needs to place a bid: the minimum next bid is computed from these.
 */
export type BidRules = { reserve_wei: string, increment_bps: number, min_increment_wei: string, anti_snipe_window_secs: number, anti_snipe_extension_secs: number, };

export type BidVoided = { lot_id: LotId, bid_id: BidId, bidder: BidderId, 
/**
 * The amount the bid had entered into the bid log; none for a `!bid max` that only raised
 * its bidder's ceiling, which stays private (these events reach public streams).
 */
amount: string | null, reason: string, 
/**
 * The lead after the void, recomputed from the remaining bids.
 */
high_bidder: BidderId | null, high_amount: string | null, };

export type Bidder = { id: string, login: string, display_name: string, wallet: string | null, banned: boolean, ban_reason: string | null, };

export type BidderBanned = { bidder: BidderId, reason: string, voided_bids: Array<BidId>, };

/**
 * A chat identity: `platform:user_id`, where the user id is the platform's stable id (a rename
 * changes the login, never this).
 */
export type BidderId = string;

export type BidderList = { bidders: Array<BidderSummary>, };

/**
 * A bidder as the dashboard lists them: with escrow (deposits less payments and completed
 * withdrawals) and bidding power.
 */
export type BidderSummary = { escrow_wei: string, power_wei: string, id: string, login: string, display_name: string, wallet: string | null, banned: boolean, ban_reason: string | null, };

export type BidderUnbanned = { bidder: BidderId, };

/**
 * Whether bidding is paused (maintenance mode), and whether the request changed it.
 */
export type BiddingStatus = { bidding_paused: boolean, changed?: boolean, };

export type BiddingToggled = { by: string, };

/**
 * The chain's head and the signer's balance (the signer's address only: never its key), as this
 * process reads them with its own `[chain]` section, or else as the settlement service last
 * reported them.
 */
export type ChainHealth = { configured: boolean, reported_by: ChainReporter | null, chain_id: number | null, head: number | null, signer: string | null, signer_balance_wei: string | null, };

/**
 * Who read the chain facts shown.
 */
export type ChainReporter = "auction-manager" | "settlement";

export type ChatReplies = { chat_replies: boolean, };

export type DepositCredited = { wallet: string, amount: string, tx_hash: string, log_index: number, };

/**
 * Every error's body: a code to branch on, a message for people, and the field at fault when
 * one is.
 */
export type ErrorBody = { error: string, message: string, field?: string, };

export type EventEnvelope = { id: string, seq: number, occurred_at: string, } & ({ "type": "lot.opened", "payload": LotOpened } | { "type": "lot.extended", "payload": LotExtended } | { "type": "lot.processing", "payload": LotProcessing } | { "type": "lot.closed", "payload": LotClosed } | { "type": "lot.completed", "payload": LotCompleted } | { "type": "lot.cancelled", "payload": LotCancelled } | { "type": "lot.paused", "payload": LotPaused } | { "type": "lot.resumed", "payload": LotResumed } | { "type": "bid.accepted", "payload": BidAccepted } | { "type": "bid.rejected", "payload": BidRejected } | { "type": "bid.voided", "payload": BidVoided } | { "type": "bid.reinstated", "payload": BidReinstated } | { "type": "bidder.banned", "payload": BidderBanned } | { "type": "bidder.unbanned", "payload": BidderUnbanned } | { "type": "bidding.paused", "payload": BiddingToggled } | { "type": "bidding.resumed", "payload": BiddingToggled } | { "type": "deposit.credited", "payload": DepositCredited } | { "type": "settlement.attempt", "payload": SettlementAttempt });

export type ExtensionCause = "anti_snipe" | "admin";

export type HighBid = { bidder: string, amount: Amount, };

export type IngestInstance = { id: string, last_seen_ms_ago: number, };

/**
 * A bidder's standing as shown live.
 */
export type LiveBid = { bidder: string, 
/**
 * Display name (the bidder id if unknown).
 */
name: string, amount_wei: string, amount_eth: string, };

export type Lot = { id: LotId, 
/**
 * The token minted for the lot has the lot's id.
 */
token_id: LotId, marathon_id: MarathonId, day_index: number, token_uri: string, image_url: string, state: LotState, starts_at: string, ends_at: string, extensions_used: number, high_bid: HighBid | null, winner_final_at: string | null, cancel_reason: string | null, 
/**
 * An operator stopped the lot's clock then: it has `ends_at − paused_at` left.
 */
paused_at: string | null, };

/**
 * What operators did to a lot, newest first.
 */
export type LotAudit = { entries: Array<LotAuditEntry>, };

/**
 * An audit entry with the name of who made it, as the live lot's trail shows it.
 */
export type LotAuditEntry = { id: number, 
/**
 * The user's name; none for a user since deleted.
 */
username: string | null, action: string, target: string, 
/**
 * What the action recorded: `reason`, `from`/`to`, `voided_bids`, … (always an object).
 */
details: Record<string, unknown>, at: string, };

export type LotCancelled = { lot_id: LotId, marathon_id: MarathonId, reason: string, };

export type LotClosed = { lot_id: LotId, marathon_id: MarathonId, winner: BidderId | null, amount: string | null, 
/**
 * Head of the lot's bid-log hash chain, `0x`-prefixed hex.
 */
bid_log_head: string, };

export type LotCompleted = { lot_id: LotId, marathon_id: MarathonId, tx_hash: string, 
/**
 * The wallet that paid and received the token, from the house's `LotSettled` log: the
 * winner's, or the runner-up's when the winner's escrow fell short. `None`: no sale.
 */
buyer: string | null, 
/**
 * What the buyer paid, as settled on chain. `None`: no sale.
 */
amount: string | null, };

export type LotExtended = { lot_id: LotId, marathon_id: MarathonId, previous_ends_at: string, ends_at: string, extensions_used: number, cause: ExtensionCause, 
/**
 * The lot went from PROCESSING back to ACTIVE.
 */
reopened: boolean, };

/**
 * A lot's id, which is also the token id minted for it on chain.
 */
export type LotId = number;

/**
 * One lot as shown live.
 */
export type LotLive = { id: LotId, marathon_id: MarathonId, title: string, image_url: string, state: LotState, starts_at: string, ends_at: string, extensions_used: number, high: LiveBid | null, top: Array<LiveBid>, participants: number, 
/**
 * An operator stopped the lot's clock then: the countdown stands at `ends_at − paused_at`.
 */
paused_at: string | null, };

export type LotOpened = { lot_id: LotId, marathon_id: MarathonId, starts_at: string, ends_at: string, };

/**
 * An operator stopped the lot's clock: bids are refused as paused and the countdown stands at
 * `ends_at − paused_at` until `lot.resumed`.
 */
export type LotPaused = { lot_id: LotId, marathon_id: MarathonId, paused_at: string, ends_at: string, };

export type LotProcessing = { lot_id: LotId, marathon_id: MarathonId, ends_at: string, };

/**
 * The lot's clock runs again, its end moved by the pause's length.
 */
export type LotResumed = { lot_id: LotId, marathon_id: MarathonId, previous_ends_at: string, ends_at: string, };

export type LotState = "PENDING" | "ACTIVE" | "PROCESSING" | "COMPLETED" | "CANCELLED";

export type LotWithTop = { top: Array<Standing>, id: LotId, 
/**
 * The token minted for the lot has the lot's id.
 */
token_id: LotId, marathon_id: MarathonId, day_index: number, token_uri: string, image_url: string, state: LotState, starts_at: string, ends_at: string, extensions_used: number, high_bid: HighBid | null, winner_final_at: string | null, cancel_reason: string | null, 
/**
 * An operator stopped the lot's clock then: it has `ends_at − paused_at` left.
 */
paused_at: string | null, };

export type Marathon = { id: MarathonId, created_at: string, name: string, first_day: string, days: number, 
/**
 * IANA time zone name, e.g. `Europe/Paris`.
 */
time_zone: string, 
/**
 * Local time of day at which each lot opens, e.g. `20:00`.
 */
opening_time: string, lot_duration_secs: number, reserve_wei: string, increment_bps: number, min_increment_wei: string, anti_snipe_window_secs: number, anti_snipe_extension_secs: number, anti_snipe_max_extensions: number, allow_self_outbid: boolean, no_sale: NoSalePolicy, chat_channels: Array<string>, auction_house: string | null, 
/**
 * The overlay shows the viewer page's address (`http.public_url`) with a QR code for it.
 */
show_join_qr: boolean, };

/**
 * A marathon with all its lots, as the dashboard's marathon page shows it.
 */
export type MarathonDetail = { marathon: Marathon, lots: Array<Lot>, };

/**
 * A marathon's database id.
 */
export type MarathonId = number;

/**
 * What happens to a lot's token when nobody bids (or a lot is cancelled after minting).
 */
export type NoSalePolicy = "burn" | "keep_in_treasury";

/**
 * The lead of a lot as viewers see it: the leader's display name, not their id.
 */
export type PublicBid = { name: string, amount_wei: string, };

/**
 * The chat identity bound to a wallet, as the page names it.
 */
export type PublicBidder = { 
/**
 * `platform:user_id`.
 */
id: string, 
/**
 * `platform:login`, lower case: what the viewer typed on the page.
 */
handle: string, display_name: string, };

/**
 * `GET /api/public/chain`: the facts a browser wallet needs to deposit. Never the configured
 * `chain.rpc_url`, which may carry a provider's key: the public endpoint instead.
 */
export type PublicChain = { chain_id: number, name: string, auction_house: string, explorer_url: string | null, public_rpc_url: string, reorg_depth: number, 
/**
 * Where `ipfs://` token metadata and images are fetched from.
 */
ipfs_gateway: string, };

/**
 * A chat channel the marathon takes bids from, with what a viewer types as their login.
 */
export type PublicChannel = { platform: string, channel: string, platform_name: string, login_hint: string, };

/**
 * `GET /api/public/marathons/{id}/live`: the marathon's current lot, as the overlay and the
 * viewer page show it live. The lot comes from the live cache (Redis, rebuilt from PostgreSQL).
 */
export type PublicLive = { marathon_id: MarathonId, marathon_name: string, lot: LotLive | null, server_time: string, rules: BidRules, public_url: string | null, show_join_qr: boolean, 
/**
 * All bidding is paused (maintenance mode); the lot's own pause is `lot.paused_at`.
 */
bidding_paused: boolean, };

/**
 * One day of a marathon, as the schedule and the past lots show it.
 */
export type PublicLot = { id: LotId, day_index: number, 
/**
 * The lot id is the token id: said twice so that the page need not know it.
 */
token_id: LotId, token_uri: string, image_url: string, state: LotState, starts_at: string, ends_at: string, extensions_used: number, high: PublicBid | null, 
/**
 * The wallet that paid and received the token, once settled with a sale.
 */
buyer: string | null, 
/**
 * The transaction that closed the lot on chain (a sale or no sale), once confirmed.
 */
settle_tx: string | null, };

/**
 * `GET /api/public/marathons/{id}`: the marathon and a page of its lots.
 */
export type PublicMarathon = { id: MarathonId, name: string, time_zone: string, first_day: string, days: number, rules: BidRules, channels: Array<PublicChannel>, 
/**
 * Where viewers reach this page (`http.public_url`), for sharing.
 */
public_url: string | null, show_join_qr: boolean, lots: Array<PublicLot>, 
/**
 * Ask again with `after_day` = this for the next page; `None` on the last.
 */
next_after_day: number | null, };

/**
 * A wallet's standing as Gavel's chain watcher has credited it (below the reorg-safe depth).
 * Bidding power is escrow less pending withdrawals less what is committed to lots not yet
 * completed (leads, and wins awaiting settlement), floored at zero.
 */
export type PublicWallet = { wallet: string, bidder: PublicBidder | null, escrow_wei: string, pending_withdrawal_wei: string, committed_wei: string, power_wei: string, 
/**
 * Lots the wallet's bidder leads while bidding may still change the outcome.
 */
leads: Array<WalletLot>, 
/**
 * Lots whose winner is final and is this wallet's bidder, or that were sold to this wallet.
 */
won: Array<WalletLot>, 
/**
 * The latest credited deposits, newest first.
 */
deposits: Array<WalletDeposit>, };

export type QueueHealth = { name: string, messages: number, consumers: number, 
/**
 * The broker does not have the queue (never declared, or expired): its counts are zero.
 */
missing: boolean, };

export type RabbitMqHealth = { ok: boolean, queues: Array<QueueHealth>, };

export type Reachable = { ok: boolean, };

export type RecentEvents = { events: Array<EventEnvelope>, 
/**
 * Pass as `before_seq` for the next (older) page; absent on the last page.
 */
next_before_seq: number | null, };

export type RedisHealth = { ok: boolean, configured: boolean, };

/**
 * Why a bid was rejected. The `Display` text is what the viewer is told.
 */
export type Rejection = { "code": "no_lot" } | { "code": "not_open" } | { "code": "lot_over" } | { "code": "late" } | { "code": "paused" } | { "code": "not_linked" } | { "code": "banned" } | { "code": "below_reserve", reserve: string, } | { "code": "below_minimum", minimum: string, } | { "code": "already_leading" } | { "code": "max_not_raised", current: string, } | { "code": "insufficient_power", power: string, };

/**
 * What a user may do; each role includes the ones below it.
 */
export type Role = "viewer" | "operator" | "admin";

export type ServicesHealth = { scheduler: Beat, engine: Beat, chat_ingest: Array<IngestInstance>, 
/**
 * The settlement service's last heartbeat; none if it never ran against this database.
 */
settlement: Beat | null, };

/**
 * The signed-in user and the token every mutation must carry.
 */
export type Session = { user: SessionUser, csrf_token: string, };

export type SessionUser = { username: string, 
/**
 * A role's name, as stored.
 */
role: Role, };

/**
 * The operators' switches.
 */
export type Settings = { bidding_paused: boolean, chat_replies: boolean, };

export type SettlementAttempt = { lot_id: LotId, tx_hash: string, nonce: number, status: string, };

export type SettlementAttempts = { attempts: Array<SettlementStep>, };

/**
 * One recorded step.
 */
export type SettlementStep = { id: number, lot_id: LotId, action: string, kind: string, call: string | null, nonce: number | null, tx_hash: string | null, max_fee_per_gas: string | null, max_priority_fee_per_gas: string | null, block_number: number | null, detail: string, created_at: string, };

export type Standing = { rank: number, bidder: string, amount: Amount, };

/**
 * `GET /api/health/system`: each dependency and each part, for the dashboard's health page.
 */
export type SystemHealth = { postgres: Reachable, redis: RedisHealth, rabbitmq: RabbitMqHealth, chain: ChainHealth, services: ServicesHealth, };

/**
 * A bidder after an unban, whether the ban changed, and the bids reinstated with it.
 */
export type Unbanned = { bidder: Bidder, changed: boolean, reinstated_bids: Array<BidId>, };

/**
 * A credited deposit.
 */
export type WalletDeposit = { tx_hash: string, block_number: number, amount_wei: string, };

/**
 * A lot a wallet leads or has won.
 */
export type WalletLot = { lot_id: LotId, marathon_id: MarathonId, token_id: LotId, state: LotState, amount_wei: string, settle_tx: string | null, };
