//! Integration tests of the auction-manager against a real PostgreSQL: each test gets a fresh
//! database (sqlx::test creates and drops it) and the real service on port 0.

mod bidding;
mod console;
mod dashboard;
mod helpers;
mod marathons;
mod pipeline;
mod public;
mod scheduler;
mod validation;
