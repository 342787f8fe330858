//! Gavel's domain core: the rules of an NFT auction marathon, with no I/O and no clock.
//!
//! Every service shares these types, and because nothing here reads the time or touches a
//! database, all of it is tested exhaustively (property tests beside each module).
//!
//! - [`money`]: [`Wei`], exact amounts, and the strict parsers for chat ETH and wire wei.
//! - [`ids`]: typed identifiers; [`BidderId`] is `platform:user_id`.
//! - [`marathon`]: a marathon's configuration, its validation and its daily schedule.
//! - [`lot`]: a lot and its state machine.
//! - [`bidding`]: [`bidding::decide_bid`], which turns a bid into ACCEPTED or REJECTED-with-reason.
//! - [`bid_log`]: the hash chain over a lot's bid log whose head goes on chain.
//! - [`link`]: the commitment that binds a chat identity to the wallet holding its escrow.
//! - [`events`]: the event envelope and every event type the services exchange.

pub mod bid_log;
pub mod bidding;
pub mod events;
pub mod ids;
pub mod link;
pub mod lot;
pub mod marathon;
pub mod money;

pub use ids::{BidId, BidderId, LotId, MarathonId};
pub use money::{AmountError, Wei};
