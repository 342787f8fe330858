//! Metrics: the services record through the `metrics` facade; this installs the one Prometheus
//! recorder of the process (once, however many services or sandboxes start in it, as in the
//! tests) and renders it at `/metrics`. Names and help texts live beside what each service
//! measures (`telemetry` in each service crate); `docs/metrics.md` lists them all.
//!
//! Only Gavel's own metrics are rendered, and their labels are outcomes, reasons, queue names,
//! platforms and action kinds: never a URL, a key or a token.
//!
//! Spans can also go to an OpenTelemetry collector ([`SpanExport`], `log.otlp_endpoint`).

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_subscriber::registry::LookupSpan;

/// Bid decisions: a millisecond when idle, up to seconds under load or while ingest instances'
/// watermarks hold bids back.
const DECISION_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Confirmations: seconds on an L2 with a few confirmations, minutes when a transaction is stuck
/// and replaced.
const CONFIRMATION_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0];
/// Rendering drains histogram samples into their buckets; without a scrape (no Prometheus
/// configured) this keeps them from piling up.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's recorder, installed on first use.
pub fn install() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(gavel_auction_manager::telemetry::BID_DECISION_SECONDS.into()), DECISION_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(gavel_settlement::telemetry::CONFIRMATION_SECONDS.into()), CONFIRMATION_BUCKETS)
            })
            // Only an empty bucket list is refused, and these are constants.
            .expect("non-empty histogram buckets");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        match metrics::set_global_recorder(recorder) {
            Ok(()) => {
                gavel_auction_manager::telemetry::describe();
                gavel_chat_ingest::telemetry::describe();
                gavel_event_gateway::telemetry::describe();
                gavel_settlement::telemetry::describe();
            }
            // Only if something else in the process installed a recorder first: its metrics go there.
            Err(error) => tracing::warn!(error = %error, "another metrics recorder is installed; /metrics will be empty"),
        }
        let upkeep = handle.clone();
        let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        });
        if let Err(error) = spawned {
            tracing::warn!(error = %error, "no metrics upkeep thread: histograms are drained only when scraped");
        }
        handle
    })
}

/// `GET /metrics`: the Prometheus text format. Installs the recorder if nothing did yet.
pub fn router() -> Router {
    let handle = install();
    Router::new()
        .route("/metrics", get(move || async move { ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()) }))
}

/// Spans exported to an OpenTelemetry collector over OTLP/HTTP (protobuf), in batches sent from
/// the exporter's own thread, so a slow collector never holds a request back. What is still
/// batched is flushed when this is dropped, at the end of `main`.
pub struct SpanExport(SdkTracerProvider);

impl SpanExport {
    /// Exports to `endpoint`, the collector's traces URL (`…:4318/v1/traces`).
    pub fn start(endpoint: &str) -> anyhow::Result<SpanExport> {
        let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().with_endpoint(endpoint).build()?;
        let resource = opentelemetry_sdk::Resource::builder().with_service_name("gavel").build();
        Ok(SpanExport(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build()))
    }

    /// The layer that turns `tracing` spans into exported ones.
    pub fn layer<S>(&self) -> tracing_opentelemetry::OpenTelemetryLayer<S, SdkTracer>
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    {
        tracing_opentelemetry::layer().with_tracer(self.0.tracer("gavel"))
    }
}

impl Drop for SpanExport {
    fn drop(&mut self) {
        if let Err(error) = self.0.shutdown() {
            // The subscriber may be gone by now: say it on standard error.
            eprintln!("gavel: the last spans were not exported: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::IntoFuture;

    #[tokio::test]
    async fn metrics_render_with_their_help_and_histogram_buckets() {
        let router = super::router();
        metrics::histogram!(gavel_auction_manager::telemetry::BID_DECISION_SECONDS).record(0.003);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(axum::serve(listener, router).into_future());
        let text = reqwest::get(format!("http://{address}/metrics")).await.expect("GET").text().await.expect("body");
        server.abort();
        assert!(text.contains("# TYPE gavel_bid_decision_seconds histogram"), "{text}");
        assert!(text.contains("# HELP gavel_bid_decision_seconds From a bid's receipt stamp"), "{text}");
        assert!(text.contains("gavel_bid_decision_seconds_bucket{le=\"0.0025\"} 0"), "{text}");
        assert!(text.contains("gavel_bid_decision_seconds_bucket{le=\"0.005\"} 1"), "{text}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn spans_reach_an_otlp_collector() {
        use tracing_subscriber::layer::SubscriberExt;
        let (sent, mut received) = tokio::sync::mpsc::unbounded_channel::<(String, axum::body::Bytes)>();
        let collector = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let _ = sent.send((kind, body));
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(axum::serve(listener, collector).into_future());

        let export = super::SpanExport::start(&format!("http://{address}/v1/traces")).expect("exporter");
        let subscriber = tracing_subscriber::registry().with(export.layer());
        tracing::subscriber::with_default(subscriber, || {
            let _request = tracing::info_span!("request", request_id = "rid-42").entered();
        });
        // Dropping flushes: a blocking call, off the runtime's workers.
        tokio::task::spawn_blocking(move || drop(export)).await.expect("flushed");
        let (kind, body) =
            tokio::time::timeout(std::time::Duration::from_secs(10), received.recv()).await.expect("exported").expect("a batch");
        server.abort();
        assert_eq!(kind, "application/x-protobuf");
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("request") && body.contains("rid-42"), "the span and its request id: {body:?}");
    }
}
