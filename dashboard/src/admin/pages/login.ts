// Sign in with a username and password; the server sets an HttpOnly session cookie and answers
// with the CSRF token mutations must carry.

import { ApiError, api } from '../../shared/api';
import { h } from '../../shared/dom';
import type { Session } from '../../shared/api-types';
import type { App } from '../app';
import { bannerWords } from '../forms';

export function loginPage(outlet: HTMLElement, _app: App, _params: string[], signedIn: (session: Session) => void): void {
  const username = h('input', { testid: 'login-username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { testid: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { testid: 'login-submit', type: 'submit' }, 'Sign in');
  const message = h('p', { class: 'form-error', testid: 'login-error', hidden: true });

  const onsubmit = async (event: Event) => {
    event.preventDefault();
    submit.disabled = true;
    message.hidden = true;
    try {
      const session = await api<Session>('POST', '/api/session', { username: username.value, password: password.value });
      signedIn(session);
    } catch (error) {
      message.hidden = false;
      // The answer is said under the form; the banner is for pages behind the login.
      message.textContent = error instanceof ApiError && error.status === 401 ? 'Wrong username or password.' : bannerWords(error);
    } finally {
      submit.disabled = false;
    }
  };

  outlet.replaceChildren(
    h(
      'form',
      { class: 'login card', onsubmit },
      h('h1', null, 'Gavel'),
      h('label', null, 'Username', username),
      h('label', null, 'Password', password),
      message,
      submit,
    ),
  );
  username.focus();
}
