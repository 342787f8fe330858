// The marathon's days: each lot with its image, its opening time in the viewer's own time zone
// (named, so nobody has to convert from the organisers' zone) and its state.

import { fill, h } from '../shared/dom';
import type { ViewerState } from './state';
import { localTime, resolveUri, stateBadge, viewerZone } from './view';

export function scheduleSection(state: ViewerState): HTMLElement {
  const list = h('ol', { class: 'schedule', testid: 'schedule' });
  const zone = h('p', { class: 'muted' });

  const draw = () => {
    const marathon = state.marathon;
    zone.textContent = marathon
      ? `Times in your time zone (${viewerZone}). The organisers plan in ${marathon.time_zone}; ${marathon.days} day${marathon.days === 1 ? '' : 's'} from ${marathon.first_day}.`
      : (state.marathonError ?? 'Loading…');
    fill(
      list,
      (marathon?.lots ?? []).map((lot) =>
        h(
          'li',
          { class: `schedule-row state-row-${lot.state.toLowerCase()}`, testid: `schedule-lot-${lot.id}`, 'data-state': lot.state },
          h('img', { src: resolveUri(lot.image_url, state.chain?.ipfs_gateway), alt: '', loading: 'lazy' }),
          h('div', { class: 'day' }, h('strong', null, `Day ${lot.day_index + 1}`), h('span', { class: 'muted' }, ` · lot ${lot.id}`)),
          h('time', { datetime: lot.starts_at }, localTime(lot.starts_at)),
          stateBadge(lot.state, lot.state === 'COMPLETED' && lot.high === null),
        ),
      ),
      marathon && marathon.lots.length === 0 ? h('li', { class: 'muted' }, 'No lot is scheduled yet.') : null,
    );
  };

  let drawn: unknown[] = [];
  state.subscribe(() => {
    if (drawn[0] === state.marathon && drawn[1] === state.chain && drawn[2] === state.marathonError) return;
    drawn = [state.marathon, state.chain, state.marathonError];
    draw();
  });
  draw();
  return h('section', { id: 'schedule', class: 'card' }, h('h2', null, 'Schedule'), zone, list);
}
