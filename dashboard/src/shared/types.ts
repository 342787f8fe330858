// The JSON shapes of Gavel's API, as services/auction-manager/src/api serializes them. Amounts
// are wei in decimal strings; times are RFC 3339 strings.

export type Role = 'viewer' | 'operator' | 'admin';
export type LotState = 'PENDING' | 'ACTIVE' | 'PROCESSING' | 'COMPLETED' | 'CANCELLED';

export interface Session {
  user: { username: string; role: Role };
  csrf_token: string;
}

export interface Amount {
  wei: string;
  eth: string;
}

export interface Marathon {
  id: number;
  created_at: string;
  name: string;
  first_day: string;
  days: number;
  time_zone: string;
  opening_time: string;
  lot_duration_secs: number;
  reserve_wei: string;
  increment_bps: number;
  min_increment_wei: string;
  anti_snipe_window_secs: number;
  anti_snipe_extension_secs: number;
  anti_snipe_max_extensions: number;
  allow_self_outbid: boolean;
  no_sale: 'burn' | 'keep_in_treasury';
  chat_channels: string[];
  auction_house: string | null;
}

export interface Lot {
  id: number;
  token_id: number;
  marathon_id: number;
  day_index: number;
  token_uri: string;
  image_url: string;
  state: LotState;
  starts_at: string;
  ends_at: string;
  extensions_used: number;
  high_bid: { bidder: string; amount: Amount } | null;
  winner_final_at: string | null;
  cancel_reason: string | null;
}

export interface Standing {
  rank: number;
  bidder: string;
  amount: Amount;
}

export interface LotWithTop extends Lot {
  top: Standing[];
}

export interface Bid {
  id: number;
  lot_id: number | null;
  bidder: string;
  kind: string;
  offered_wei: string;
  decision: 'ACCEPTED' | 'REJECTED';
  reason_code: string | null;
  reason: string | null;
  received_at: string;
  decided_at: string;
  voided_at: string | null;
  void_reason: string | null;
}

export interface BidPage {
  bids: Bid[];
  next_before: number | null;
}

export interface Bidder {
  id: string;
  login: string;
  display_name: string;
  wallet: string | null;
  banned: boolean;
  ban_reason: string | null;
  escrow_wei: string;
  power_wei: string;
}

export interface Settings {
  bidding_paused: boolean;
  chat_replies: boolean;
}

export interface SettlementAttempt {
  id: number;
  action: string;
  kind: string;
  call: string | null;
  nonce: number | null;
  tx_hash: string | null;
  max_fee_per_gas: string | null;
  block_number: number | null;
  detail: string;
  created_at: string;
}

export interface SystemHealth {
  postgres: { ok: boolean };
  redis: { ok: boolean };
  rabbitmq: { ok: boolean; queues: { name: string; messages: number; consumers: number }[] };
  chain: { configured: boolean; head: number | null; signer_balance_wei: string | null };
  services: Record<string, { last_beat_ms_ago: number } & Record<string, unknown>>;
}

/** One event as every service speaks it (docs/events.md). */
export interface Envelope {
  id: string;
  seq: number;
  occurred_at: string;
  type: string;
  payload: Record<string, unknown>;
}

// Payloads the pages read (docs/events.md lists them all).

export interface BidAccepted {
  message_id: string;
  channel: string;
  lot_id: number;
  bid_id: number;
  bidder: string;
  max_bid: boolean;
  /** What this bid entered into the bid log; null when a leader only raised their max. */
  amount: string | null;
  high_bidder: string;
  high_amount: string;
  outbid: string | null;
  ends_at: string;
  received_at: string;
}

export interface BidRejected {
  message_id: string;
  channel: string;
  lot_id: number | null;
  bidder: string;
  reason: { code: string } & Record<string, unknown>;
  message: string;
  received_at: string;
}

export interface BidVoided {
  lot_id: number;
  bid_id: number;
  bidder: string;
  amount: string;
  reason: string;
  high_bidder: string | null;
  high_amount: string | null;
}

export interface LotExtended {
  lot_id: number;
  marathon_id: number;
  previous_ends_at: string;
  ends_at: string;
  extensions_used: number;
  cause: 'anti_snipe' | 'admin';
  reopened: boolean;
}

export interface LotClosed {
  lot_id: number;
  marathon_id: number;
  winner: string | null;
  amount: string | null;
  bid_log_head: string;
}
