//! The chat sources, one module each; each implements [`crate::source::ChatSource`].

pub mod simulator;
pub mod twitch;
pub mod webhook;
