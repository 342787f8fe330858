// System health: the stores, RabbitMQ's queues and consumers, the chain and each background
// service's last heartbeat, refreshed every few seconds.

import { api } from '../../shared/api';
import { fill, h } from '../../shared/dom';
import type { SystemHealth } from '../../shared/api-types';
import type { Page } from '../app';
import { eth } from '../view';

/** A heartbeat older than this means the service is stalled (as `/ready` judges it). */
const STALLED_AFTER_MS = 5_000;
const REFRESH_MS = 5_000;

function status(ok: boolean, testid: string): HTMLElement {
  return h('span', { class: `badge ${ok ? 'ok' : 'bad'}`, testid, 'data-ok': ok ? 'true' : 'false' }, ok ? 'ok' : 'down');
}

export const healthPage: Page = (outlet, app) => {
  const view = h('div', { class: 'health-grid' }, h('p', { class: 'muted' }, 'Loading…'));
  const updated = h('p', { class: 'muted' });
  outlet.replaceChildren(h('h1', null, 'System health'), updated, view);

  const reload = () =>
    app.attempt(async () => {
      const health = await api<SystemHealth>('GET', '/api/health/system');
      updated.textContent = `as of ${new Date().toLocaleTimeString(undefined, { hour12: false })}, every ${REFRESH_MS / 1000} s`;
      fill(
        view,
        h('section', { class: 'card' }, h('h2', null, 'PostgreSQL'), status(health.postgres.ok, 'health-postgres')),
        h('section', { class: 'card' }, h('h2', null, 'Redis'), status(health.redis.ok, 'health-redis')),
        h(
          'section',
          { class: 'card' },
          h('h2', null, 'RabbitMQ'),
          status(health.rabbitmq.ok, 'health-rabbitmq'),
          h(
            'table',
            { testid: 'health-queues' },
            h('thead', null, h('tr', null, h('th', null, 'Queue'), h('th', null, 'Messages'), h('th', null, 'Consumers'))),
            h(
              'tbody',
              null,
              health.rabbitmq.queues.map((queue) =>
                h('tr', { class: queue.consumers === 0 ? 'warn' : null }, h('td', { class: 'mono' }, queue.name), h('td', null, queue.messages), h('td', null, queue.consumers)),
              ),
            ),
          ),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', null, 'Chain'),
          health.chain.configured
            ? h(
                'dl',
                { class: 'facts' },
                h('dt', null, 'Head'),
                h('dd', { testid: 'health-chain-head' }, health.chain.head ?? 'unreachable'),
                h('dt', null, 'Signer balance'),
                h('dd', null, eth(health.chain.signer_balance_wei, 'health-signer-balance')),
              )
            : h('p', { class: 'muted' }, 'No [chain] configured: nothing is settled.'),
        ),
        h(
          'section',
          { class: 'card' },
          h('h2', null, 'Services'),
          h(
            'table',
            { testid: 'health-services' },
            h('thead', null, h('tr', null, h('th', null, 'Service'), h('th', null, 'Last heartbeat'), h('th', null, ''))),
            h(
              'tbody',
              null,
              [
                ['scheduler', health.services.scheduler.last_beat_ms_ago] as const,
                ['engine', health.services.engine.last_beat_ms_ago] as const,
                ...health.services.chat_ingest.map((instance) => [`chat-ingest ${instance.id}`, instance.last_seen_ms_ago] as const),
              ].map(([name, ago]) =>
                h(
                  'tr',
                  null,
                  h('td', null, name),
                  h('td', null, `${(ago / 1000).toFixed(1)} s ago`),
                  h('td', null, status(ago <= STALLED_AFTER_MS, `health-service-${name}`)),
                ),
              ),
            ),
          ),
        ),
      );
    });

  void reload();
  const timer = setInterval(() => void reload(), REFRESH_MS);
  return () => clearInterval(timer);
};
