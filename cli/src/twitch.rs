//! Twitch sources from the settings, and one for a local Twitch-protocol server.

use std::net::SocketAddr;

use gavel_chat_ingest::source::ChatSource;
use gavel_chat_ingest::sources::twitch::auth::TwitchCredentials;
use gavel_chat_ingest::sources::twitch::{TwitchConfig, TwitchSource};
use secrecy::SecretString;

use crate::config::TwitchSettings;

pub fn source(settings: &TwitchSettings) -> Box<dyn ChatSource> {
    let config = TwitchConfig {
        host: settings.host.clone(),
        port: settings.port,
        tls: settings.tls,
        bot_login: settings.bot_login.clone(),
        channels: settings.channels.clone(),
        token_url: settings.token_url.clone(),
    };
    let credentials = TwitchCredentials {
        client_id: settings.client_id.clone(),
        client_secret: settings.client_secret.clone(),
        access_token: settings.access_token.clone(),
        refresh_token: settings.refresh_token.clone(),
        expires_at: None,
    };
    Box::new(TwitchSource::new(config, credentials))
}

/// A source reading `channel` on a local Twitch-protocol server (benchmark, tests, demos).
pub fn local_source(address: SocketAddr, channel: &str) -> Box<dyn ChatSource> {
    let config = TwitchConfig {
        host: address.ip().to_string(),
        port: address.port(),
        tls: false,
        bot_login: "gavelbot".into(),
        channels: vec![channel.to_owned()],
        token_url: "http://127.0.0.1:9/unused".into(),
    };
    let credentials = TwitchCredentials {
        client_id: "local".into(),
        client_secret: SecretString::from(""),
        access_token: SecretString::from("local"),
        refresh_token: SecretString::from(""),
        expires_at: None,
    };
    Box::new(TwitchSource::new(config, credentials))
}
