//! Integration tests of chat-ingest's parts against real sockets and the local Redis.

mod rate_limit;
mod twitch;
mod webhook;
