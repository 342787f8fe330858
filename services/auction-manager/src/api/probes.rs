//! Liveness and readiness, shared by every server of a process: the admin API's `/health` and
//! `/ready`, the operations endpoints of a process without it, and the dashboard's health page.

use std::time::Duration;

use axum::Json;
use axum::http::StatusCode;
use gavel_bus::lapin::Connection;
use gavel_live::LiveCache;
use gavel_store::PgPool;
use serde_json::{Map, Value, json};

/// A dependency that does not answer within this is reported as unreachable: a prober (a
/// container runtime, a load balancer) gives up soon after, and a hung check must not hang it.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: the process answers.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// PostgreSQL answers a query.
pub async fn postgres(pool: &PgPool) -> bool {
    match tokio::time::timeout(CHECK_TIMEOUT, sqlx::query("SELECT 1").execute(pool)).await {
        Ok(Ok(_)) => true,
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "health check: PostgreSQL unreachable");
            false
        }
        Err(_) => {
            tracing::warn!(timeout_ms = CHECK_TIMEOUT.as_millis() as u64, "health check: PostgreSQL did not answer");
            false
        }
    }
}

/// The RabbitMQ connection is up.
pub fn rabbitmq(connection: &Connection) -> bool {
    connection.status().connected()
}

/// Redis answers a PING.
pub async fn redis(live: &LiveCache) -> bool {
    tokio::time::timeout(CHECK_TIMEOUT, live.ping()).await.unwrap_or(false)
}

/// One named check of a readiness answer: "ok", or the word that says what is wrong.
pub struct Check {
    name: &'static str,
    status: &'static str,
}

impl Check {
    pub fn new(name: &'static str, ok: bool, failed: &'static str) -> Self {
        Self { name, status: if ok { "ok" } else { failed } }
    }
}

/// Readiness: 200 `ready` when every check is "ok", else 503 `not_ready`, each check by name.
pub fn readiness(checks: impl IntoIterator<Item = Check>) -> (StatusCode, Json<Value>) {
    let mut body = Map::new();
    let mut all_ok = true;
    for check in checks {
        all_ok &= check.status == "ok";
        body.insert(check.name.to_owned(), json!(check.status));
    }
    body.insert("status".to_owned(), json!(if all_ok { "ready" } else { "not_ready" }));
    let status = if all_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Value::Object(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_when_every_check_is_ok_and_each_check_is_named() {
        let (status, Json(body)) = readiness([Check::new("postgres", true, "unreachable"), Check::new("rabbitmq", true, "disconnected")]);
        assert_eq!((status, body), (StatusCode::OK, json!({ "status": "ready", "postgres": "ok", "rabbitmq": "ok" })));
        let (status, Json(body)) = readiness([Check::new("postgres", true, "unreachable"), Check::new("engine", false, "stalled")]);
        assert_eq!(
            (status, body),
            (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "not_ready", "postgres": "ok", "engine": "stalled" }))
        );
    }
}
