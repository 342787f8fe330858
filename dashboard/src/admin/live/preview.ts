// What viewers see, on the live lot page: the overlay itself (`/overlay/{marathonId}`) in a frame
// drawn at the stream's 1920×1080 and scaled to the card, over a dark backdrop standing in for
// the stream. It is the real page with its own connection, so a pause or a cancellation shows
// there exactly as it does in OBS.

import { h } from '../../shared/dom';

const STREAM_WIDTH = 1920;

export function overlayPreview(marathonId: number): HTMLElement {
  const frame = h('iframe', {
    class: 'overlay-frame',
    src: `/overlay/${marathonId}`,
    title: 'The stream overlay, as viewers see it now',
    testid: 'overlay-preview',
    tabindex: -1,
  });
  const stage = h('div', { class: 'overlay-stage' }, frame);
  // The frame keeps the overlay's own size; only its drawing is scaled to the card's width.
  new ResizeObserver(() => stage.style.setProperty('--overlay-scale', String(stage.clientWidth / STREAM_WIDTH))).observe(stage);
  return stage;
}
