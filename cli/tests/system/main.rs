//! Whole-system tests: Gavel's services together, in this process (a sandbox) or as `gavel`
//! processes that the tests kill. Each test uses its own database, RabbitMQ namespace and Redis
//! key prefix, and stops what it started.

mod browser;
mod chain;
mod chat;
mod crash;
mod fairness;
mod link;
mod metrics;
mod restart;
mod settlement;
mod sse;
mod support;
mod viewer;
