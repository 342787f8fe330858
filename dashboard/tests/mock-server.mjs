// A development aid, not Gavel: a small in-memory stand-in for Gavel's HTTP API and SSE streams,
// so the dashboard, the overlay and tests/browser.mjs can be exercised without the Rust services.
// It serves dashboard/dist like Gavel does, implements the endpoints the pages call with fixed
// data, and decides chat bids in the crudest way (higher than the lead wins).
//
//   node dashboard/tests/mock-server.mjs [--port 8099]
//   users: ada (admin), otto (operator), vic (viewer); password "secret"
//   POST /__mock/bid {"lot":2,"bidder":"twitch:1","eth":"0.05"}  places a chat bid
//   POST /__mock/resync                                         tells every stream to resync
//
// Marathons are created, edited and deleted, and lots added, with the API's field errors (422
// with `field`) and conflicts (409), so the forms' messages can be tried.
//
// tests/mock-run.mjs imports createMock() and plays the Rust side of the driver protocol.

import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const WEI = 10n ** 18n;
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
const USERS = { ada: 'admin', otto: 'operator', vic: 'viewer' };
const RANK = { viewer: 0, operator: 1, admin: 2 };

function ethToWei(eth) {
  const [whole, fraction = ''] = eth.split('.');
  return (BigInt(whole) * WEI + BigInt(fraction.padEnd(18, '0'))).toString();
}
function weiToEth(wei) {
  const value = BigInt(wei);
  const fraction = (value % WEI).toString().padStart(18, '0').replace(/0+$/, '');
  return fraction ? `${value / WEI}.${fraction}` : `${value / WEI}`;
}
const iso = (ms) => new Date(ms).toISOString();

export function createMock({ lotSecondsLeft = 240 } = {}) {
  const now = Date.now();
  const marathon = {
    id: 1, created_at: iso(now - 86_400_000 * 2), name: 'Winter marathon', first_day: iso(now - 86_400_000).slice(0, 10), days: 30,
    time_zone: 'Europe/Berlin', opening_time: '20:00:00', lot_duration_secs: 3600, reserve_wei: ethToWei('0.01'), increment_bps: 500,
    min_increment_wei: ethToWei('0.001'), anti_snipe_window_secs: 30, anti_snipe_extension_secs: 30, anti_snipe_max_extensions: 10,
    allow_self_outbid: false, no_sale: 'burn', chat_channels: ['twitch:gavel'], auction_house: null, show_join_qr: false,
  };
  const marathons = [marathon];
  const lot = (id, day, state, startsAt, endsAt) => ({
    id, token_id: id, marathon_id: 1, day_index: day, token_uri: `ipfs://bafy/lot-${id}.json`, image_url: `/__mock/lot-${id}.svg`,
    state, starts_at: iso(startsAt), ends_at: iso(endsAt), extensions_used: 0, winner_final_at: null, cancel_reason: null, paused_at: null,
  });
  const lots = [
    lot(1, 0, 'COMPLETED', now - 86_400_000, now - 86_400_000 + 3_600_000),
    lot(2, 1, 'ACTIVE', now - 600_000, now + lotSecondsLeft * 1000),
    lot(3, 2, 'PENDING', now + 86_400_000, now + 86_400_000 + 3_600_000),
  ];
  lots[0].winner_final_at = lots[0].ends_at;
  const bidders = [
    { id: 'twitch:1', login: 'alice', display_name: 'Alice', wallet: '0x' + '11'.repeat(20), banned: false, ban_reason: null, escrow_wei: ethToWei('1'), power_wei: ethToWei('1') },
    { id: 'twitch:2', login: 'bob', display_name: 'Bob', wallet: '0x' + '22'.repeat(20), banned: false, ban_reason: null, escrow_wei: ethToWei('0.5'), power_wei: ethToWei('0.5') },
    { id: 'twitch:3', login: 'carol', display_name: 'Carol', wallet: null, banned: false, ban_reason: null, escrow_wei: '0', power_wei: '0' },
  ];
  const bids = [
    { id: 1, lot_id: 1, bidder: 'twitch:2', kind: 'plain', offered_wei: ethToWei('0.04'), decision: 'ACCEPTED', reason_code: null, reason: null, received_at: iso(now - 86_000_000), decided_at: iso(now - 86_000_000), voided_at: null, void_reason: null },
  ];
  const settings = { bidding_paused: false, chat_replies: true };
  const attempts = [
    { id: 1, lot_id: 1, action: 'open', kind: 'sent', call: 'openLot', nonce: 7, tx_hash: '0x' + 'ab'.repeat(32), max_fee_per_gas: '1500000000', block_number: 101, detail: '', created_at: iso(now - 86_400_000) },
    { id: 2, lot_id: 1, action: 'close', kind: 'confirmed', call: 'settleLot', nonce: 8, tx_hash: '0x' + 'cd'.repeat(32), max_fee_per_gas: '1500000000', block_number: 140, detail: 'to twitch:2 for 0.04 ETH', created_at: iso(now - 82_000_000) },
  ];
  const events = [];
  const clients = new Set();
  const sessions = new Map();
  let nextBidId = 2;

  const lead = (lotId) => {
    const standing = bids.filter((b) => b.lot_id === lotId && b.decision === 'ACCEPTED' && !b.voided_at);
    standing.sort((a, b) => (BigInt(b.offered_wei) > BigInt(a.offered_wei) ? 1 : -1));
    return standing[0] ?? null;
  };
  const top = (lotId) => {
    const best = new Map();
    for (const b of bids.filter((b) => b.lot_id === lotId && b.decision === 'ACCEPTED' && !b.voided_at)) {
      if (!best.has(b.bidder) || BigInt(b.offered_wei) > BigInt(best.get(b.bidder))) best.set(b.bidder, b.offered_wei);
    }
    return [...best].sort((a, b) => (BigInt(b[1]) > BigInt(a[1]) ? 1 : -1)).slice(0, 3);
  };
  const amount = (wei) => ({ wei, eth: weiToEth(wei) });
  const lotView = (l) => {
    const high = lead(l.id);
    return { ...l, high_bid: high ? { bidder: high.bidder, amount: amount(high.offered_wei) } : null };
  };
  const bidder = (id) => bidders.find((b) => b.id === id);

  function emit(type, payload) {
    const envelope = { id: randomUUID(), seq: events.length + 1, occurred_at: iso(Date.now()), type, payload };
    events.push(envelope);
    for (const client of clients) if (client.lot === null || client.lot === payload.lot_id) send(client.res, envelope);
    return envelope;
  }
  function send(res, envelope) {
    res.write(`id: ${envelope.seq}\nevent: ${envelope.type}\ndata: ${JSON.stringify(envelope)}\n\n`);
  }

  /** A chat bid, decided at once. Returns the event it produced. */
  function placeBid(lotId, bidderId, eth) {
    const received = iso(Date.now());
    const target = lots.find((l) => l.id === lotId);
    const offered = ethToWei(eth);
    const high = lead(lotId);
    const reject = (code, message) => {
      bids.push({ id: nextBidId++, lot_id: lotId, bidder: bidderId, kind: 'plain', offered_wei: offered, decision: 'REJECTED', reason_code: code, reason: message, received_at: received, decided_at: received, voided_at: null, void_reason: null });
      return emit('bid.rejected', { message_id: `twitch:${randomUUID()}`, channel: 'twitch:gavel', lot_id: lotId, bidder: bidderId, amount: offered, reason: { code }, message, received_at: received });
    };
    if (settings.bidding_paused) return reject('paused', 'Bidding is paused for a moment.');
    if (!target || target.state !== 'ACTIVE') return reject('not_open', 'No lot is open.');
    if (high && BigInt(offered) <= BigInt(high.offered_wei)) return reject('below_minimum', 'Bid more than the current high bid.');
    const bid = { id: nextBidId++, lot_id: lotId, bidder: bidderId, kind: 'plain', offered_wei: offered, decision: 'ACCEPTED', reason_code: null, reason: null, received_at: received, decided_at: received, voided_at: null, void_reason: null };
    bids.push(bid);
    return emit('bid.accepted', {
      message_id: `twitch:${randomUUID()}`, channel: 'twitch:gavel', lot_id: lotId, bid_id: bid.id, bidder: bidderId, max_bid: false, amount: offered,
      high_bidder: bidderId, high_amount: offered, outbid: high && high.bidder !== bidderId ? high.bidder : null, ends_at: target.ends_at, received_at: received,
    });
  }

  function liveState(marathonId) {
    const order = { ACTIVE: 0, PROCESSING: 1, PENDING: 2 };
    const current = lots.filter((l) => l.marathon_id === marathonId && l.state in order).sort((a, b) => order[a.state] - order[b.state])[0];
    const live = (bidderId, wei) => ({ bidder: bidderId, name: bidder(bidderId)?.display_name ?? bidderId, amount_wei: wei, amount_eth: weiToEth(wei) });
    const high = current && lead(current.id);
    return {
      marathon_id: marathonId,
      marathon_name: marathon.name,
      lot: current
        ? {
            id: current.id, title: `Day ${current.day_index + 1}`, image_url: current.image_url, state: current.state, starts_at: current.starts_at, ends_at: current.ends_at,
            extensions_used: current.extensions_used, high: high ? live(high.bidder, high.offered_wei) : null, top: top(current.id).map(([id, wei]) => live(id, wei)),
            participants: new Set(bids.filter((b) => b.lot_id === current.id && b.decision === 'ACCEPTED').map((b) => b.bidder)).size,
          }
        : null,
      server_time: iso(Date.now()),
    };
  }

  async function readJson(req) {
    let body = '';
    for await (const chunk of req) body += chunk;
    return body ? JSON.parse(body) : {};
  }

  const invalid = (res, field, message) => json(res, 422, { error: 'invalid_field', field, message });
  const conflict = (res, message) => json(res, 409, { error: 'conflict', message });
  const opened = (marathonId) => lots.some((l) => l.marathon_id === marathonId && l.state !== 'PENDING' && l.state !== 'CANCELLED');

  /** The API's checks of a marathon, in its words and with its field names; null when fine. */
  function marathonProblem(spec) {
    if (!String(spec.name ?? '').trim()) return ['name', 'must be 1 to 200 characters'];
    if (!/^\d{4}-\d{2}-\d{2}$/.test(spec.first_day ?? '')) return ['first_day', 'premature end of input'];
    if (spec.first_day < iso(Date.now()).slice(0, 10)) return ['first_day', 'must not be in the past'];
    if (!Number.isInteger(spec.days) || spec.days < 1 || spec.days > 366) return ['days', 'must be between 1 and 366'];
    for (const [i, channel] of (spec.chat_channels ?? []).entries()) if (!/^[a-z]+:[A-Za-z0-9_#-]+$/.test(channel)) return [`chat_channels[${i}]`, `'${channel}' has no platform: write it as platform:name`];
    if (spec.anti_snipe_window_secs > 0 && spec.anti_snipe_extension_secs === 0) return ['anti_snipe_extension_secs', 'must be at least 1 while the window is not 0'];
    return null;
  }

  function json(res, status, body) {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  function serveFile(res, path) {
    if (!existsSync(path) || !statSync(path).isFile()) return json(res, 404, { error: 'not_found', message: 'no such file' });
    res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(res);
  }

  function stream(req, res, lotId) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    const client = { res, lot: lotId };
    const after = Number(req.headers['last-event-id'] ?? 0);
    if (after > 0) for (const e of events) if (e.seq > after && (lotId === null || e.payload.lot_id === lotId)) send(res, e);
    clients.add(client);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      clients.delete(client);
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://mock');
    const path = url.pathname;
    const method = req.method;
    res.setHeader('Date', new Date().toUTCString());

    // Static pages, as Gavel serves them.
    if (method === 'GET' && (path === '/' || path === '/index.html')) return serveFile(res, join(DIST, 'index.html'));
    if (method === 'GET' && /^\/overlay\/\d+$/.test(path)) return serveFile(res, join(DIST, 'overlay.html'));
    if (method === 'GET' && path.startsWith('/assets/')) return serveFile(res, join(DIST, normalize(path).replace(/^(\.\.[/\\])+/, '')));
    const image = /^\/__mock\/lot-(\d+)\.svg$/.exec(path);
    if (image) {
      res.writeHead(200, { 'Content-Type': 'image/svg+xml' });
      return res.end(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400" fill="#2b5cd6"/><text x="200" y="230" font-size="120" text-anchor="middle" fill="#fff" font-family="sans-serif">#${image[1]}</text></svg>`);
    }

    // Controls for a person trying the pages by hand.
    if (method === 'POST' && path === '/__mock/bid') {
      const { lot: lotId, bidder: bidderId, eth } = await readJson(req);
      return json(res, 200, placeBid(lotId, bidderId, eth));
    }
    if (method === 'POST' && path === '/__mock/resync') {
      for (const client of clients) client.res.write('event: resync\ndata: {}\n\n');
      return json(res, 200, { clients: clients.size });
    }

    // Public endpoints.
    let m = /^\/api\/public\/marathons\/(\d+)\/live$/.exec(path);
    if (m && method === 'GET') return json(res, 200, liveState(Number(m[1])));
    m = /^\/api\/public\/lots\/(\d+)\/events$/.exec(path);
    if (m && method === 'GET') return stream(req, res, Number(m[1]));

    // The session.
    const cookie = /(?:^|;\s*)gavel_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const session = cookie ? sessions.get(cookie) : undefined;
    if (path === '/api/session') {
      if (method === 'POST') {
        const { username, password } = await readJson(req);
        if (!(username in USERS) || password !== 'secret') return json(res, 401, { error: 'unauthorized', message: 'wrong username or password' });
        const token = randomBytes(16).toString('hex');
        const created = { user: { username, role: USERS[username] }, csrf_token: randomBytes(16).toString('hex') };
        sessions.set(token, created);
        res.setHeader('Set-Cookie', `gavel_session=${token}; HttpOnly; SameSite=Strict; Path=/`);
        return json(res, 200, created);
      }
      if (!session) return json(res, 401, { error: 'unauthenticated', message: 'not signed in' });
      if (method === 'GET') return json(res, 200, session);
    }
    if (!path.startsWith('/api/')) return json(res, 404, { error: 'not_found', message: 'route not found' });
    if (!session) return json(res, 401, { error: 'unauthenticated', message: 'not signed in' });
    const mutation = method !== 'GET';
    if (mutation && req.headers['x-csrf-token'] !== session.csrf_token) return json(res, 403, { error: 'csrf', message: 'missing or wrong X-CSRF-Token' });
    const needs = (role) => RANK[session.user.role] >= RANK[role];
    const forbid = (role) => json(res, 403, { error: 'forbidden', message: `this needs the ${role} role` });

    if (path === '/api/session' && method === 'DELETE') {
      sessions.delete(cookie);
      res.writeHead(204, { 'Set-Cookie': 'gavel_session=; Max-Age=0; Path=/' });
      return res.end();
    }
    if (path === '/api/events/stream' && method === 'GET') return stream(req, res, null);
    if (path === '/api/events/recent' && method === 'GET') {
      const type = url.searchParams.get('type');
      const lotId = url.searchParams.get('lot_id');
      const bidderId = url.searchParams.get('bidder');
      const beforeSeq = Number(url.searchParams.get('before_seq') ?? Infinity);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const mentions = (value) => (typeof value === 'string' ? value === bidderId : value && typeof value === 'object' ? Object.values(value).some(mentions) : false);
      const matching = events.filter((e) => e.seq < beforeSeq && (!type || e.type === type) && (!lotId || e.payload.lot_id === Number(lotId)) && (!bidderId || mentions(e.payload))).reverse();
      const page = matching.slice(0, limit);
      return json(res, 200, { events: page, next_before_seq: matching.length > limit ? page[page.length - 1].seq : null });
    }
    if (path === '/api/marathons' && method === 'GET') return json(res, 200, marathons);
    if (path === '/api/marathons' && method === 'POST') {
      if (!needs('admin')) return forbid('admin');
      const spec = await readJson(req);
      const problem = marathonProblem(spec);
      if (problem) return invalid(res, ...problem);
      const created = { ...marathon, ...spec, id: marathons.length + 1, created_at: iso(Date.now()), opening_time: `${spec.opening_time}:00`.slice(0, 8) };
      marathons.push(created);
      return json(res, 201, created);
    }
    m = /^\/api\/marathons\/(\d+)$/.exec(path);
    const target = m ? marathons.find((one) => one.id === Number(m[1])) : undefined;
    if (m && !target) return json(res, 404, { error: 'not_found', message: 'marathon not found' });
    if (m && method === 'GET') return json(res, 200, { marathon: target, lots: lots.filter((l) => l.marathon_id === target.id).map(lotView) });
    if (m && method === 'PATCH') {
      if (!needs('admin')) return forbid('admin');
      const edit = await readJson(req);
      const schedule = ['first_day', 'days', 'time_zone', 'opening_time', 'lot_duration_secs'].filter((field) => field in edit);
      if (schedule.length && opened(target.id)) return conflict(res, 'the schedule is fixed once a lot has opened');
      const problem = marathonProblem({ ...target, ...edit, first_day: edit.first_day ?? '2999-01-01' });
      if (problem) return invalid(res, ...problem);
      Object.assign(target, edit);
      return json(res, 200, target);
    }
    if (m && method === 'DELETE') {
      if (!needs('admin')) return forbid('admin');
      if (opened(target.id)) return conflict(res, 'a lot of this marathon has opened: bids may exist');
      marathons.splice(marathons.indexOf(target), 1);
      res.writeHead(204);
      return res.end();
    }
    m = /^\/api\/marathons\/(\d+)\/lots$/.exec(path);
    if (m && method === 'POST') {
      if (!needs('admin')) return forbid('admin');
      const owner = marathons.find((one) => one.id === Number(m[1]));
      if (!owner) return json(res, 404, { error: 'not_found', message: 'marathon not found' });
      const spec = await readJson(req);
      for (const field of ['token_uri', 'image_url']) if (!/^(ipfs|ar|https?):\/\/\S+$/.test(spec[field] ?? '')) return invalid(res, field, 'must be an ipfs://, ar://, https:// or http:// URI of at most 2048 bytes, without spaces');
      const startsAt = Date.parse(spec.starts_at ?? '');
      const endsAt = spec.ends_at ? Date.parse(spec.ends_at) : startsAt + owner.lot_duration_secs * 1000;
      if (!(startsAt > Date.now())) return invalid(res, 'starts_at', 'must be in the future');
      if (!(endsAt > startsAt)) return invalid(res, 'ends_at', 'must be after starts_at');
      if (lots.some((l) => l.marathon_id === owner.id && l.day_index === spec.day_index && l.state !== 'CANCELLED')) return conflict(res, `day ${spec.day_index} of this marathon already has a lot`);
      const added = lot(lots.length + 1, spec.day_index, 'PENDING', startsAt, endsAt);
      Object.assign(added, { marathon_id: owner.id, token_uri: spec.token_uri, image_url: spec.image_url });
      lots.push(added);
      return json(res, 201, lotView(added));
    }
    m = /^\/api\/lots\/(\d+)(\/[a-z]+)?$/.exec(path);
    if (m) {
      const target = lots.find((l) => l.id === Number(m[1]));
      if (!target) return json(res, 404, { error: 'not_found', message: 'lot not found' });
      const rest = m[2] ?? '';
      if (rest === '' && method === 'GET') return json(res, 200, { ...lotView(target), top: top(target.id).map(([b, wei], i) => ({ rank: i + 1, bidder: b, amount: amount(wei) })) });
      if (rest === '/bids' && method === 'GET') {
        const page = bids.filter((b) => b.lot_id === target.id).slice().reverse().slice(0, Number(url.searchParams.get('limit') ?? 50));
        return json(res, 200, { bids: page, next_before: null });
      }
      if (rest === '/settlement' && method === 'GET') return json(res, 200, { attempts: attempts.filter((a) => a.lot_id === target.id) });
      if (rest === '/extend' && method === 'POST') {
        if (!needs('operator')) return forbid('operator');
        const { ends_at } = await readJson(req);
        const previous = target.ends_at;
        target.ends_at = ends_at;
        emit('lot.extended', { lot_id: target.id, marathon_id: 1, previous_ends_at: previous, ends_at, extensions_used: target.extensions_used, cause: 'admin', reopened: false });
        return json(res, 200, lotView(target));
      }
    }
    m = /^\/api\/bids\/(\d+)\/void$/.exec(path);
    if (m && method === 'POST') {
      if (!needs('operator')) return forbid('operator');
      const { reason } = await readJson(req);
      const bid = bids.find((b) => b.id === Number(m[1]));
      if (!bid || bid.decision !== 'ACCEPTED' || bid.voided_at) return json(res, 409, { error: 'conflict', message: 'not a standing accepted bid' });
      if (!reason?.trim()) return json(res, 422, { error: 'invalid_field', field: 'reason', message: 'must be 1 to 500 characters' });
      bid.voided_at = iso(Date.now());
      bid.void_reason = reason;
      const high = lead(bid.lot_id);
      const payload = { lot_id: bid.lot_id, bid_id: bid.id, bidder: bid.bidder, amount: bid.offered_wei, reason, high_bidder: high?.bidder ?? null, high_amount: high?.offered_wei ?? null };
      emit('bid.voided', payload);
      return json(res, 200, payload);
    }
    if (path === '/api/bidders' && method === 'GET') {
      const after = url.searchParams.get('after');
      const limit = Number(url.searchParams.get('limit') ?? 50);
      return json(res, 200, { bidders: bidders.filter((b) => !after || b.id > after).slice(0, limit) });
    }
    m = /^\/api\/bidders\/([^/]+)(\/ban|\/unban)?$/.exec(path);
    if (m) {
      const target = bidder(decodeURIComponent(m[1]));
      if (!target) return json(res, 404, { error: 'not_found', message: 'bidder not found' });
      if (!m[2] && method === 'GET') {
        const { escrow_wei, power_wei, ...stored } = target;
        return json(res, 200, stored);
      }
      if (!needs('operator')) return forbid('operator');
      if (m[2] === '/ban') {
        const { reason } = await readJson(req);
        if (!reason?.trim()) return invalid(res, 'reason', 'must be 1 to 500 characters');
        Object.assign(target, { banned: true, ban_reason: reason });
        emit('bidder.banned', { bidder: target.id, reason, voided_bids: [] });
      } else {
        Object.assign(target, { banned: false, ban_reason: null });
        emit('bidder.unbanned', { bidder: target.id });
      }
      return json(res, 200, { bidder: target });
    }
    if (path === '/api/bidding' && method === 'GET') return json(res, 200, { bidding_paused: settings.bidding_paused });
    if (path === '/api/settings' && method === 'GET') return json(res, 200, settings);
    m = /^\/api\/bidding\/(pause|resume)$/.exec(path);
    if (m && method === 'POST') {
      if (!needs('operator')) return forbid('operator');
      const paused = m[1] === 'pause';
      const changed = settings.bidding_paused !== paused;
      settings.bidding_paused = paused;
      if (changed) emit(paused ? 'bidding.paused' : 'bidding.resumed', { by: session.user.username });
      return json(res, 200, { bidding_paused: paused, changed });
    }
    if (path === '/api/settings/chat-replies' && method === 'POST') {
      if (!needs('operator')) return forbid('operator');
      settings.chat_replies = Boolean((await readJson(req)).enabled);
      return json(res, 200, settings);
    }
    if (path === '/api/health/system' && method === 'GET') {
      return json(res, 200, {
        postgres: { ok: true }, redis: { ok: true },
        rabbitmq: {
          ok: true,
          queues: [{ name: 'gavel.bids', messages: 0, consumers: 1 }, { name: 'gavel.bids.dead', messages: 0, consumers: 0 }, { name: 'gavel.chat-replies', messages: 3, consumers: 1 }],
        },
        chain: { configured: true, reported_by: 'settlement', chain_id: 11011, head: 152, signer: '0x' + 'f3'.repeat(20), signer_balance_wei: ethToWei('0.75') },
        services: {
          scheduler: { last_beat_ms_ago: 120 }, engine: { last_beat_ms_ago: 80 }, settlement: { last_beat_ms_ago: 1_400 },
          chat_ingest: [{ id: 'ingest-a', last_seen_ms_ago: 900 }, { id: 'ingest-b', last_seen_ms_ago: 1_200 }],
        },
      });
    }
    return json(res, 404, { error: 'not_found', message: 'route not found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => json(res, 500, { error: 'internal', message: String(error) }));
  });
  return { server, placeBid, emit, settings, lots, bids, events };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const portIndex = process.argv.indexOf('--port');
  const port = portIndex > 0 ? Number(process.argv[portIndex + 1]) : 8099;
  const { server } = createMock({ lotSecondsLeft: 3600 });
  server.listen(port, '127.0.0.1', () => console.log(`mock Gavel on http://127.0.0.1:${port} (dashboard/dist must be built)`));
}
