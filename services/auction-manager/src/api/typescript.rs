//! The TypeScript types of every API response (and of the events the streams carry), generated
//! from the Rust types that serialize them, so that the dashboard, the overlay and the viewer
//! page cannot drift from the server. `dashboard/src/shared/api-types.ts` is the output; a test
//! fails when it is stale, and `GAVEL_WRITE_API_TYPES=1 cargo test -p gavel-auction-manager
//! api_types` writes it anew.

use std::any::TypeId;
use std::collections::HashSet;

use ts_rs::{Config, TS, TypeVisitor};

/// Where the generated file lives, from this crate.
const OUTPUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboard/src/shared/api-types.ts");

/// The declarations of the types the API answers with, each type once, with every type they
/// refer to; by name, since the order ts-rs walks dependencies in varies from run to run.
fn declarations() -> String {
    // JavaScript numbers hold ids, counts and block numbers exactly; amounts are strings.
    let config = Config::new().with_large_int("number");
    let mut collect = Collect { config: &config, seen: HashSet::new(), out: Vec::new() };
    {
        use super::dashboard::*;
        use super::{lots, marathons, moderation, public, session};
        collect.visit::<super::error::ErrorBody>();
        collect.visit::<session::Session>();
        collect.visit::<marathons::MarathonDetail>();
        collect.visit::<super::views::MarathonView>();
        collect.visit::<lots::LotWithTop>();
        collect.visit::<lots::BidPage>();
        collect.visit::<lots::BidLog>();
        collect.visit::<lots::LotAudit>();
        collect.visit::<super::views::StandingView>();
        collect.visit::<moderation::BiddingStatus>();
        collect.visit::<moderation::Banned>();
        collect.visit::<moderation::Unbanned>();
        collect.visit::<gavel_domain::events::BidVoided>();
        collect.visit::<gavel_domain::events::BidReinstated>();
        collect.visit::<Settings>();
        collect.visit::<ChatReplies>();
        collect.visit::<BidderList>();
        collect.visit::<SettlementAttempts>();
        collect.visit::<RecentEvents>();
        collect.visit::<SystemHealth>();
        collect.visit::<public::PublicChain>();
        collect.visit::<public::PublicMarathon>();
        collect.visit::<public::PublicLive>();
        collect.visit::<gavel_store::viewers::PublicWallet>();
    }
    let mut text = String::from(
        "// Generated from the Rust types of Gavel's API by services/auction-manager/src/api/typescript.rs:\n\
         // do not edit. `GAVEL_WRITE_API_TYPES=1 cargo test -p gavel-auction-manager api_types` writes it anew.\n",
    );
    collect.out.sort();
    for (_, declaration) in collect.out {
        text.push('\n');
        text.push_str(&declaration);
        text.push('\n');
    }
    text
}

/// Declares each type reached once, after walking into the types it refers to.
struct Collect<'a> {
    config: &'a Config,
    seen: HashSet<TypeId>,
    /// Each declaration, by its TypeScript name.
    out: Vec<(String, String)>,
}

impl TypeVisitor for Collect<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only declared types have a file of their own; primitives and wrappers are inlined.
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let name = T::ident(self.config);
        assert!(
            !self.out.iter().any(|(taken, _)| *taken == name),
            "two Rust types are both {name} in TypeScript: rename one with #[ts(rename)]"
        );
        // The type's doc comment (JSDoc), then the declaration, exported.
        let doc = T::docs().unwrap_or_default();
        self.out.push((name, format!("{doc}export {}", T::decl(self.config))));
        T::visit_dependencies(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_types_are_generated_from_the_rust_types() {
        let generated = declarations();
        if std::env::var_os("GAVEL_WRITE_API_TYPES").is_some() {
            std::fs::write(OUTPUT, &generated).expect("write the API types");
        }
        let committed = std::fs::read_to_string(OUTPUT).unwrap_or_default();
        assert!(
            committed == generated,
            "{OUTPUT} is not what the Rust types generate: run `GAVEL_WRITE_API_TYPES=1 cargo test -p gavel-auction-manager api_types` and commit it"
        );
    }
}
