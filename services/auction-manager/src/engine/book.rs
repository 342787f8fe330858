//! What bidders can bid with while a batch is decided: their escrow (loaded and locked once)
//! less what they lead with in other lots, kept up to date as decisions in the batch move leads.

use std::collections::HashMap;

use gavel_domain::bidding::{BidderStanding, Standings};
use gavel_domain::{BidderId, LotId, Wei};
use gavel_store::bidders::Holdings;

pub struct Book {
    holdings: HashMap<BidderId, Holdings>,
    leads: HashMap<BidderId, HashMap<LotId, Wei>>,
}

impl Book {
    pub fn new(holdings: HashMap<BidderId, Holdings>, open_leads: Vec<(BidderId, LotId, Wei)>) -> Self {
        let mut leads: HashMap<BidderId, HashMap<LotId, Wei>> = HashMap::new();
        for (bidder, lot, amount) in open_leads {
            leads.entry(bidder).or_default().insert(lot, amount);
        }
        Book { holdings, leads }
    }

    pub fn wallet(&self, bidder: &BidderId) -> Option<&str> {
        self.holdings.get(bidder).map(|h| h.wallet.as_str())
    }

    /// Records the lead of `lot` after a decision: the previous leader no longer holds it.
    pub fn set_lead(&mut self, lot: LotId, previous: Option<&BidderId>, leader: &BidderId, amount: Wei) {
        if let Some(previous) = previous
            && let Some(held) = self.leads.get_mut(previous)
        {
            held.remove(&lot);
        }
        self.leads.entry(leader.clone()).or_default().insert(lot, amount);
    }

    /// The standings as seen from one lot.
    pub fn for_lot(&self, lot: LotId) -> LotView<'_> {
        LotView { book: self, lot }
    }
}

pub struct LotView<'a> {
    book: &'a Book,
    lot: LotId,
}

impl Standings for LotView<'_> {
    fn standing(&self, bidder: &BidderId) -> Option<BidderStanding> {
        let holdings = self.book.holdings.get(bidder)?;
        let elsewhere = self
            .book
            .leads
            .get(bidder)
            .map(|leads| leads.iter().filter(|(lot, _)| **lot != self.lot).fold(Wei::ZERO, |sum, (_, amount)| sum.saturating_add(*amount)))
            .unwrap_or(Wei::ZERO);
        Some(BidderStanding { banned: holdings.banned, funds: holdings.escrow_free.saturating_sub(elsewhere) })
    }
}
