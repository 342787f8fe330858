//! The `gavel` command's library: what the binary (`main.rs`) does, in modules tests and the
//! benchmark can call.
//!
//! - [`config`]: layered settings (defaults, TOML file, `GAVEL__…` environment).
//! - [`run`]: builds and runs the selected services in one process.
//! - [`sandbox`]: a throwaway Gavel (own database and RabbitMQ namespace, seeded, in-process)
//!   for the benchmark, demos and whole-system tests.
//! - [`bench`]: `gavel bench pipeline`.
//! - [`demo`]: `gavel demo`, a compressed marathon end to end on a local chain.
//! - [`house`]: `gavel house deploy`.
//! - [`verify`]: `gavel verify`, a lot's public bid log against the chain.
//! - [`twitch`]: Twitch sources from the settings, or for a local Twitch-protocol server.
//! - [`telemetry`]: the process's metrics recorder and its `/metrics` route.
//! - [`ops`]: `/health`, `/ready` and `/metrics` for a process without the admin API.

pub mod bench;
pub mod config;
pub mod demo;
pub mod house;
pub mod ops;
pub mod run;
pub mod sandbox;
pub mod telemetry;
pub mod twitch;
pub mod verify;
