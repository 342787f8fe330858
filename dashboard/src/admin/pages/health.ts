// System health: the stores, RabbitMQ's queues and consumers, the chain (as this process reads it
// or as the settlement service reports it) and each service's last heartbeat, every few seconds.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import type { ChainHealth, Marathon, QueueHealth, SystemHealth } from '../../shared/api-types';
import type { Page } from '../app';
import { eth, hashCell } from '../view';
import { durationInWords, formatInstant, onZoneChange } from '../zone';

/** The in-process loops beat every second; older than this they are stalled (as `/ready` judges). */
const STALLED_AFTER_MS = 5_000;
/**
 * Ingest instances are stored with the engine's batches and settlement beats every 2 s from
 * another process: a few missed beats are not yet an outage.
 */
const REMOTE_STALLED_AFTER_MS = 10_000;
const REFRESH_MS = 5_000;

/** "1.2 s ago" under a minute, "3 min ago" above. */
function ago(ms: number): string {
  return ms < 60_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s ago` : `${durationInWords(ms)} ago`;
}

function badge(ok: boolean, text: string, testid?: string): HTMLElement {
  return h('span', { class: `badge ${ok ? 'ok' : 'bad'}`, testid, 'data-ok': ok ? 'true' : 'false' }, text);
}

/** A heartbeat row: "up, 1.2 s ago"; "stalled, 12.0 s ago"; "not reporting". */
function serviceRow(name: string, label: string, lastMsAgo: number | null | undefined, stalledAfterMs: number, absent: string): HTMLElement {
  const known = typeof lastMsAgo === 'number' && Number.isFinite(lastMsAgo);
  const up = known && lastMsAgo <= stalledAfterMs;
  return h(
    'tr',
    { class: up ? null : 'warn' },
    h('td', null, label),
    h(
      'td',
      null,
      badge(up, known ? (up ? 'up' : 'stalled') : 'not reporting', `health-service-${name}`),
      known ? [', ', h('span', { testid: `health-age-${name}` }, ago(lastMsAgo))] : h('span', { class: 'muted', testid: `health-age-${name}` }, ` ${absent}`),
    ),
  );
}

/** The dead-letter queue has no consumer by design (messages wait there for a person); a work queue without one is stuck; a queue the broker lacks is said so. */
function queueRow(queue: QueueHealth): HTMLElement {
  const deadLetters = queue.name.endsWith('.dead');
  const problem = queue.missing
    ? 'missing: the broker has no such queue'
    : deadLetters
      ? queue.messages > 0
        ? `${queue.messages} message${queue.messages === 1 ? '' : 's'} to look at`
        : null
      : queue.consumers === 0
        ? 'no consumer: nothing reads this queue'
        : null;
  return h(
    'tr',
    { class: problem ? 'warn' : null, testid: `health-queue-${queue.name}`, 'data-ok': problem ? 'false' : 'true' },
    h('td', { class: 'mono' }, queue.name),
    h('td', null, queue.messages),
    h('td', null, queue.consumers, deadLetters ? h('span', { class: 'muted' }, ' (none by design)') : null),
    h('td', { class: 'muted' }, problem ?? ''),
  );
}

/** The chain's facts; when they come from the settlement service's heartbeat, their age (`reportedMsAgo`), marked stale as its row is. */
function chainCard(chain: ChainHealth, reportedMsAgo: number | null): HTMLElement {
  const settlementReports = reportedMsAgo !== null;
  const stale = reportedMsAgo !== null && reportedMsAgo > REMOTE_STALLED_AFTER_MS;
  const source =
    chain.reported_by === 'settlement'
      ? `as the settlement service reported it ${reportedMsAgo === null ? '' : ago(reportedMsAgo)}${stale ? ': stale, the settlement service has stopped reporting' : ''}`
      : chain.reported_by === 'auction-manager'
        ? 'read by this server'
        : null;
  return h(
    'section',
    { class: 'card', testid: 'health-chain' },
    h('h2', null, 'Chain'),
    chain.configured
      ? [
          source ? h('p', { class: stale ? 'bad' : 'muted', testid: 'health-chain-source', 'data-stale': stale ? 'true' : 'false' }, source) : null,
          h(
            'dl',
            { class: 'facts' },
            h('dt', null, 'Chain id'),
            h('dd', null, chain.chain_id ?? '—'),
            h('dt', null, 'Head'),
            h('dd', { testid: 'health-chain-head' }, chain.head ?? 'unreachable'),
            h('dt', null, 'Signer'),
            h('dd', null, chain.signer ? hashCell(chain.signer, 'health-signer') : '—'),
            h('dt', null, 'Signer balance'),
            h('dd', null, eth(chain.signer_balance_wei, 'health-signer-balance')),
          ),
        ]
      : h(
          'p',
          { class: 'muted' },
          settlementReports
            ? 'The settlement service runs but has not reported the chain yet.'
            : 'No chain: this server has no [chain] section and no settlement service reports one, so nothing is settled.',
        ),
  );
}

export const healthPage: Page = (outlet, app) => {
  const view = h('div', { class: 'health-grid' }, h('p', { class: 'muted' }, 'Loading…'));
  const updated = h('p', { class: 'muted', testid: 'health-updated' });
  outlet.replaceChildren(h('h1', null, 'System health'), updated, view);
  /** "As of" is given in the zone of the latest marathon (the show's), or the browser's. */
  let zone: string | null = null;
  let readAt: string | null = null;

  const drawUpdated = () => {
    if (readAt) updated.textContent = `as of ${formatInstant(readAt, zone, 'time')}, every ${REFRESH_MS / 1000} s`;
  };

  const reload = () =>
    app.load(async () => {
      const health = await api<SystemHealth>('GET', '/api/health/system');
      readAt = new Date().toISOString();
      drawUpdated();
      const services = health.services;
      fill(
        view,
        h(
          'section',
          { class: 'card wide' },
          h('h2', null, 'Services'),
          h(
            'table',
            { testid: 'health-services' },
            h('thead', null, h('tr', null, h('th', null, 'Service'), h('th', null, 'Last heartbeat'))),
            h(
              'tbody',
              null,
              serviceRow('scheduler', 'Scheduler', services.scheduler.last_beat_ms_ago, STALLED_AFTER_MS, ''),
              serviceRow('engine', 'Bid engine', services.engine.last_beat_ms_ago, STALLED_AFTER_MS, ''),
              serviceRow('settlement', 'Settlement', services.settlement?.last_beat_ms_ago, REMOTE_STALLED_AFTER_MS, '(no settlement service has reported to this database)'),
              services.chat_ingest.length === 0
                ? h('tr', { class: 'warn' }, h('td', null, 'Chat ingest'), h('td', { testid: 'health-ingest-none' }, 'no instance has reported: no chat bid can arrive'))
                : services.chat_ingest.map((instance) =>
                    serviceRow(`chat-ingest-${instance.id}`, `Chat ingest ${instance.id}`, instance.last_seen_ms_ago, REMOTE_STALLED_AFTER_MS, ''),
                  ),
            ),
          ),
        ),
        chainCard(health.chain, services.settlement?.last_beat_ms_ago ?? null),
        h(
          'section',
          { class: 'card wide' },
          h('h2', null, 'RabbitMQ'),
          badge(health.rabbitmq.ok, health.rabbitmq.ok ? 'ok' : 'down', 'health-rabbitmq'),
          h(
            'table',
            { testid: 'health-queues' },
            h('thead', null, h('tr', null, h('th', null, 'Queue'), h('th', null, 'Messages'), h('th', null, 'Consumers'), h('th', null, ''))),
            h('tbody', null, health.rabbitmq.queues.map(queueRow)),
          ),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', null, 'Stores'),
          h(
            'dl',
            { class: 'facts' },
            h('dt', null, 'PostgreSQL'),
            h('dd', null, badge(health.postgres.ok, health.postgres.ok ? 'ok' : 'down', 'health-postgres')),
            h('dt', null, 'Redis'),
            h(
              'dd',
              null,
              health.redis.configured
                ? badge(health.redis.ok, health.redis.ok ? 'ok' : 'down', 'health-redis')
                : h('span', { class: 'muted', testid: 'health-redis' }, 'not configured: live state is read from PostgreSQL'),
            ),
          ),
        ),
      );
    });

  const loadZone = () =>
    app.load(async () => {
      const marathons = await api<Marathon[]>('GET', '/api/marathons');
      zone = marathons.slice().sort((a, b) => b.id - a.id)[0]?.time_zone ?? null;
      drawUpdated();
    });

  void loadZone();
  void reload();
  const stopZone = onZoneChange(drawUpdated);
  const timer = setInterval(() => void reload(), REFRESH_MS);
  return () => {
    clearInterval(timer);
    stopZone();
  };
};
