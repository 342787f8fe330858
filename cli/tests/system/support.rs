//! What the whole-system tests share.

use std::time::Duration;

use gavel::config::Settings;
use gavel::sandbox::Sandbox;

/// The local servers' settings (defaults, as on every machine of this project).
pub fn settings() -> Settings {
    // Tests create their databases on the server DATABASE_URL names.
    let database = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut settings = Settings::load(None).expect("settings");
    settings.database.url = database.into();
    settings
}

pub async fn sandbox() -> Sandbox {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    Sandbox::create(&settings()).await.expect("sandbox")
}

/// Polls `check` until it holds, for at most `limit`.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
