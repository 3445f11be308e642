// The sandbox chat page. It plays the chosen persona through the emulator's control API
// (src/sandbox/emulator/control.rs) and shows their chat with the bot as Telegram would.
//
// Every chat's history lives in the emulator; the page caches what it has seen so switching
// personas is instant, and long-polls only the chat on screen (browsers allow few connections
// per host). Every word comes from GET /api/ui (locales/*/sandbox.ftl).
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);

  const state = {
    lang: 'zh-CN',
    ui: {},
    personas: [],
    botUsername: '',
    current: null, // the persona id on screen
    chats: new Map(), // persona id -> { messages: Map(message_id -> view), seq, loaded, replyKeyboard }
    pollToken: 0,
    pollAbort: null,
  };

  // ---------- texts ----------

  function t(key, args) {
    let text = state.ui[key] ?? key;
    for (const [name, value] of Object.entries(args || {})) {
      text = text.split(`{${name}}`).join(String(value));
    }
    return text;
  }

  function initialLang() {
    try {
      const saved = localStorage.getItem('propdesk.sandbox.lang');
      if (saved === 'zh-CN' || saved === 'en') return saved;
    } catch (_) { /* storage may be off */ }
    const nav = (navigator.language || '').toLowerCase();
    return nav === 'en' || nav.startsWith('en-') ? 'en' : 'zh-CN';
  }

  async function setLang(lang) {
    const res = await fetch(`/api/ui?lang=${encodeURIComponent(lang)}`);
    state.ui = await res.json();
    state.lang = lang;
    try { localStorage.setItem('propdesk.sandbox.lang', lang); } catch (_) { /* ignore */ }
    document.documentElement.lang = lang;
    document.title = t('sandbox-page-title');
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
    for (const el of document.querySelectorAll('[data-i18n-title]')) {
      el.title = t(el.dataset.i18nTitle);
      el.setAttribute('aria-label', el.title);
    }
    for (const button of document.querySelectorAll('.lang-toggle button')) {
      button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
    }
    renderPersonas();
    renderChat();
  }

  // ---------- talking to the sandbox ----------

  async function post(path, body) {
    const init = body instanceof FormData
      ? { method: 'POST', body }
      : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) };
    const res = await fetch(path, init);
    if (!res.ok) {
      let detail = `HTTP ${res.status}`;
      try { detail = (await res.json()).error || detail; } catch (_) { /* not JSON */ }
      throw new Error(detail);
    }
    return res.json();
  }

  /** A user action; a failure becomes a toast. Returns whether it went through. */
  async function act(personaId, what, body) {
    try {
      await post(`/control/users/${personaId}/${what}`, body);
      return true;
    } catch (err) {
      toast(t('sandbox-send-failed', { detail: err.message }));
      return false;
    }
  }

  const sendText = (personaId, text) => act(personaId, 'text', { text });

  // ---------- personas ----------

  const AVATAR_COLOURS = ['#e17076', '#7bc862', '#65aadd', '#a695e7', '#ee7aae', '#6ec9cb', '#faa774', '#5aa7d8'];

  function avatar(persona, el) {
    el.textContent = persona.first_name.slice(0, 1);
    el.style.background = AVATAR_COLOURS[persona.id % AVATAR_COLOURS.length];
    return el;
  }

  function personaButton(persona, onClick) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'persona';
    button.dataset.personaId = String(persona.id);
    const picture = document.createElement('div');
    picture.className = 'avatar';
    button.append(avatar(persona, picture));
    const info = document.createElement('div');
    info.className = 'persona-info';
    const nameRow = document.createElement('div');
    nameRow.className = 'name-row';
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = persona.first_name;
    const role = document.createElement('span');
    role.className = `role role-${persona.role}`;
    role.textContent = t(`sandbox-role-${persona.role}`);
    nameRow.append(name, role);
    const note = document.createElement('div');
    note.className = 'note';
    note.textContent = state.lang === 'en' ? persona.note_en : persona.note_zh;
    info.append(nameRow, note);
    button.append(info);
    button.addEventListener('click', onClick);
    return button;
  }

  function renderPersonas() {
    const list = $('personas');
    list.replaceChildren(...state.personas.map((persona) => {
      const li = document.createElement('li');
      const button = personaButton(persona, () => selectPersona(persona.id));
      button.dataset.testid = 'persona';
      button.classList.toggle('active', persona.id === state.current);
      li.append(button);
      return li;
    }));
  }

  const personaById = (id) => state.personas.find((p) => p.id === id);

  function chatOf(id) {
    if (!state.chats.has(id)) {
      state.chats.set(id, { messages: new Map(), seq: 0, loaded: false, replyKeyboard: null });
    }
    return state.chats.get(id);
  }

  function selectPersona(id) {
    if (!personaById(id)) return;
    const switching = state.current !== id;
    state.current = id;
    $('app').dataset.view = 'chat';
    history.replaceState(null, '', `#${id}`);
    for (const button of document.querySelectorAll('#personas .persona')) {
      button.classList.toggle('active', Number(button.dataset.personaId) === id);
    }
    renderChat();
    if (switching) startPolling(id);
    if (window.matchMedia('(min-width: 761px)').matches) $('input').focus();
  }

  function backToList() {
    $('app').dataset.view = 'list';
  }

  // ---------- reading the chat (long polling) ----------

  function startPolling(id) {
    state.pollToken += 1;
    if (state.pollAbort) state.pollAbort.abort();
    pollLoop(id, state.pollToken);
  }

  async function pollLoop(id, token) {
    let failures = 0;
    while (state.pollToken === token) {
      const chat = chatOf(id);
      // The first read returns the whole history at once; after that, wait for changes.
      const wait = chat.loaded ? 25 : 0;
      const abort = new AbortController();
      state.pollAbort = abort;
      try {
        const res = await fetch(`/control/chats/${id}/messages?after=${chat.seq}&wait=${wait}`, { signal: abort.signal });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = await res.json();
        applyChanges(id, body);
        failures = 0;
        $('offline').hidden = true;
      } catch (err) {
        if (state.pollToken !== token) return;
        failures += 1;
        $('offline').hidden = false;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 400 * 2 ** failures)));
      }
    }
  }

  function applyChanges(id, body) {
    const chat = chatOf(id);
    const firstRead = !chat.loaded;
    const onScreen = id === state.current;
    const list = $('messages');
    const wasAtBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    let userWrote = false;
    for (const message of body.messages) {
      if (message.deleted) chat.messages.delete(message.message_id);
      else chat.messages.set(message.message_id, message);
      if (!message.from_bot && !message.deleted) userWrote = true;
      if (onScreen && !firstRead) renderMessage(message);
    }
    chat.replyKeyboard = body.reply_keyboard || null;
    chat.seq = body.seq;
    chat.loaded = true;
    if (!onScreen) return;
    if (firstRead) renderChat();
    else {
      renderEmptyState();
      renderComposer();
    }
    if (firstRead || wasAtBottom || userWrote) scrollToBottom();
    // Answers from before this page first read the chat are old news.
    if (!firstRead) for (const alert of body.alerts) showCallbackAnswer(alert);
  }

  function scrollToBottom() {
    const list = $('messages');
    list.scrollTop = list.scrollHeight;
  }

  // ---------- rendering the chat ----------

  function renderChat() {
    const persona = personaById(state.current);
    $('no-persona').hidden = Boolean(persona);
    $('chat-head').hidden = !persona;
    $('messages').hidden = !persona;
    $('composer').hidden = !persona;
    if (!persona) return;
    $('chatting-as').textContent = t('sandbox-chatting-as', { name: persona.first_name });
    avatar(persona, $('persona-avatar'));
    const chat = chatOf(persona.id);
    const list = $('messages');
    list.replaceChildren();
    if (!chat.loaded) {
      const loading = document.createElement('div');
      loading.className = 'empty-chat';
      loading.textContent = t('sandbox-loading');
      list.append(loading);
    } else {
      for (const id of [...chat.messages.keys()].sort((a, b) => a - b)) renderMessage(chat.messages.get(id));
      renderEmptyState();
    }
    renderComposer();
    scrollToBottom();
  }

  function renderEmptyState() {
    const chat = chatOf(state.current);
    const list = $('messages');
    let empty = list.querySelector('.empty-chat');
    if (chat.loaded && chat.messages.size === 0) {
      if (!empty) {
        empty = document.createElement('div');
        empty.className = 'empty-chat';
        empty.dataset.testid = 'empty-chat';
        list.append(empty);
      }
      empty.textContent = t('sandbox-empty-chat');
    } else if (empty) {
      empty.remove();
    }
  }

  /** Puts a message in place: replaces its earlier version, or inserts it in message-id order. */
  function renderMessage(message) {
    const list = $('messages');
    const existing = list.querySelector(`.msg[data-message-id="${message.message_id}"]`);
    if (message.deleted) {
      if (existing) existing.remove();
      return;
    }
    const node = messageNode(message);
    if (existing) {
      existing.replaceWith(node);
      return;
    }
    const later = [...list.querySelectorAll('.msg')].find((el) => Number(el.dataset.messageId) > message.message_id);
    list.insertBefore(node, later || null);
  }

  function messageNode(message) {
    const who = message.from_bot ? 'bot' : 'user';
    const node = document.createElement('div');
    node.className = `msg ${who}`;
    node.dataset.testid = 'message';
    node.dataset.from = who;
    node.dataset.messageId = String(message.message_id);

    const bubble = document.createElement('div');
    bubble.className = 'bubble';
    if (message.photo_file_id) {
      bubble.classList.add('has-photo');
      const img = document.createElement('img');
      img.className = 'photo';
      img.dataset.testid = 'message-photo';
      img.alt = t('sandbox-photo-alt');
      img.src = `/control/files/${encodeURIComponent(message.photo_file_id)}`;
      img.addEventListener('load', () => {
        const list = $('messages');
        if (list.scrollHeight - list.scrollTop - list.clientHeight < img.height + 80) scrollToBottom();
      });
      bubble.append(img);
    }

    if (message.kind === 'document' && message.document_file_id) {
      // A file from the bot (a CSV export): a link that downloads it.
      const link = document.createElement('a');
      link.className = 'document';
      link.dataset.testid = 'message-document';
      link.href = `/control/files/${encodeURIComponent(message.document_file_id)}`;
      link.download = message.file_name || 'document';
      link.textContent = t('sandbox-document', { name: message.file_name || '' });
      bubble.append(link);
    }

    const body = messageBody(message);
    if (body.text) {
      // The time floats at the end of the text's last line, outside the element tests read.
      const text = document.createElement('div');
      text.className = body.service ? 'text service' : 'text';
      const content = document.createElement('span');
      content.dataset.testid = 'message-text';
      if (message.from_bot) appendRich(content, body.text);
      else content.textContent = body.text;
      text.append(content);
      bubble.append(text);
    }

    const meta = document.createElement('span');
    meta.className = 'meta';
    const time = new Date(message.date * 1000).toLocaleTimeString(state.lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    meta.textContent = message.edited ? `${t('sandbox-edited')} ${time}` : time;
    if (body.text) bubble.querySelector('.text').append(meta);
    else bubble.append(meta);
    node.append(bubble);

    if (message.inline_keyboard && message.inline_keyboard.length) {
      node.append(inlineKeyboard(message));
    }
    return node;
  }

  /** What the bubble says: the text or caption, or a line for a contact, location, sticker… */
  function messageBody(message) {
    const text = message.text ?? message.caption;
    if (text) return { text };
    switch (message.kind) {
      case 'contact': return { text: t('sandbox-contact', { phone: message.contact_phone || '' }), service: true };
      case 'location': return {
        text: t('sandbox-location', { latitude: message.latitude?.toFixed(5), longitude: message.longitude?.toFixed(5) }),
        service: true,
      };
      case 'sticker': return { text: t('sandbox-sticker'), service: true };
      case 'voice': return { text: t('sandbox-voice'), service: true };
      case 'document': return { text: t('sandbox-document', { name: message.file_name || '' }), service: true };
      default: return { text: '' };
    }
  }

  // Links end before whitespace and before punctuation that follows a URL in a sentence.
  const URL_RE = /https?:\/\/[^\s<>"'，。；！？、）」】]+/g;
  const COMMAND_RE = /(^|[\s(（「“：:])(\/[a-zA-Z][a-zA-Z0-9_]{0,31})(?![\w/])/g;

  /** Bot text with clickable links and /commands, line breaks kept (white-space: pre-wrap). */
  function appendRich(el, text) {
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      const url = match[0].replace(/[.,;:!?)\]]+$/, '');
      appendCommands(el, text.slice(last, match.index));
      el.append(linkNode(url));
      last = match.index + url.length;
    }
    appendCommands(el, text.slice(last));
  }

  function appendCommands(el, text) {
    let last = 0;
    for (const match of text.matchAll(COMMAND_RE)) {
      const start = match.index + match[1].length;
      el.append(text.slice(last, start));
      const command = document.createElement('span');
      command.className = 'command';
      command.dataset.testid = 'command-link';
      command.textContent = match[2];
      command.addEventListener('click', () => sendText(state.current, match[2]));
      el.append(command);
      last = start + match[2].length;
    }
    el.append(text.slice(last));
  }

  /** The code of an invite link to our bot (https://t.me/<bot>?start=<code>), else null. */
  function inviteCode(href) {
    let url;
    try { url = new URL(href); } catch (_) { return null; }
    const host = url.hostname.toLowerCase();
    if (host !== 't.me' && host !== 'telegram.me') return null;
    if (url.pathname.replace(/^\/+|\/+$/g, '').toLowerCase() !== state.botUsername.toLowerCase()) return null;
    return url.searchParams.get('start');
  }

  function linkNode(url) {
    const a = document.createElement('a');
    a.href = url;
    a.textContent = url;
    const code = inviteCode(url);
    if (code) {
      a.dataset.testid = 'invite-link';
      a.addEventListener('click', (event) => {
        event.preventDefault();
        openInvite(code);
      });
    } else {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
    }
    return a;
  }

  function inlineKeyboard(message) {
    const keyboard = document.createElement('div');
    keyboard.className = 'inline-keyboard';
    keyboard.dataset.testid = 'inline-keyboard';
    for (const row of message.inline_keyboard) {
      const rowEl = document.createElement('div');
      rowEl.className = 'inline-row';
      for (const button of row) {
        const el = document.createElement('button');
        el.type = 'button';
        el.className = 'inline-btn';
        el.dataset.testid = 'inline-button';
        el.dataset.label = button.text;
        el.textContent = button.text;
        if (button.callback_data != null) {
          el.addEventListener('click', () => {
            act(state.current, 'press', { message_id: message.message_id, data: button.callback_data });
          });
        } else if (button.url) {
          el.classList.add('is-url');
          el.addEventListener('click', () => {
            const code = inviteCode(button.url);
            if (code) openInvite(code);
            else window.open(button.url, '_blank', 'noopener');
          });
        } else {
          el.disabled = true;
        }
        rowEl.append(el);
      }
      keyboard.append(rowEl);
    }
    return keyboard;
  }

  // ---------- the composer: START, text, photo, reply keyboard ----------

  function renderComposer() {
    const chat = chatOf(state.current);
    const empty = chat.loaded && chat.messages.size === 0;
    $('start-wrap').hidden = !empty;
    $('input-row').hidden = empty;

    const keyboard = $('reply-keyboard');
    const rows = chat.replyKeyboard || [];
    keyboard.hidden = rows.length === 0;
    // Rebuilt only when it changed: a button must not vanish under the pointer while the
    // chat updates, and the language switch re-renders everything (the key includes it).
    const key = JSON.stringify([state.current, state.lang, rows]);
    if (keyboard.dataset.key === key) return;
    keyboard.dataset.key = key;
    keyboard.replaceChildren(...rows.map((row) => {
      const rowEl = document.createElement('div');
      rowEl.className = 'reply-row';
      for (const button of row) {
        const el = document.createElement('button');
        el.type = 'button';
        el.className = button.request_contact ? 'reply-btn contact' : 'reply-btn';
        el.dataset.testid = 'reply-button';
        el.dataset.label = button.text;
        if (button.request_contact) el.dataset.requestContact = 'true';
        el.textContent = button.text;
        el.addEventListener('click', () => {
          if (button.request_contact) act(state.current, 'contact', {});
          else act(state.current, 'reply_button', { label: button.text });
        });
        rowEl.append(el);
      }
      return rowEl;
    }));
  }

  async function submitText() {
    const input = $('input');
    const text = input.value;
    if (!text.trim() || state.current == null) return;
    input.value = '';
    autosize();
    if (!(await sendText(state.current, text))) input.value = text;
  }

  function autosize() {
    const input = $('input');
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }

  function choosePhoto(file) {
    const personaId = state.current;
    const preview = document.createElement('img');
    preview.className = 'photo-preview';
    preview.alt = t('sandbox-photo-alt');
    preview.src = URL.createObjectURL(file);
    const caption = document.createElement('input');
    caption.className = 'caption-input';
    caption.dataset.testid = 'photo-caption';
    caption.placeholder = t('sandbox-caption-placeholder');
    caption.value = $('input').value;
    const send = async () => {
      closeModal();
      URL.revokeObjectURL(preview.src);
      const form = new FormData();
      form.append('photo', file, file.name);
      if (caption.value.trim()) form.append('caption', caption.value);
      if (await act(personaId, 'photo', form)) {
        $('input').value = '';
        autosize();
      }
    };
    caption.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.isComposing) send();
    });
    openModal([heading(t('sandbox-photo-title')), preview, caption], [
      [t('sandbox-cancel'), () => { URL.revokeObjectURL(preview.src); closeModal(); }],
      [t('sandbox-send'), send, 'photo-send'],
    ]);
    caption.focus();
  }

  // ---------- invite links ----------

  function openInvite(code) {
    const command = `/start ${code}`;
    const hint = document.createElement('p');
    hint.textContent = t('sandbox-invite-hint', { command });
    const list = document.createElement('ul');
    list.className = 'personas';
    // Newcomers first: they are who invite links are for.
    const order = (p) => (p.role === 'newcomer' ? 0 : 1);
    for (const persona of [...state.personas].sort((a, b) => order(a) - order(b))) {
      const li = document.createElement('li');
      const button = personaButton(persona, async () => {
        closeModal();
        if (await sendText(persona.id, command)) selectPersona(persona.id);
      });
      button.dataset.testid = 'invite-persona';
      li.append(button);
      list.append(li);
    }
    openModal([heading(t('sandbox-invite-title')), hint, list], [[t('sandbox-cancel'), closeModal]]);
  }

  // ---------- callback answers, toasts, dialogs ----------

  function showCallbackAnswer(answer) {
    if (!answer.text) return;
    if (answer.show_alert) {
      const text = document.createElement('p');
      text.className = 'alert-text';
      text.dataset.testid = 'alert-text';
      text.textContent = answer.text;
      openModal([text], [[t('sandbox-ok'), closeModal, 'alert-ok']]);
    } else {
      toast(answer.text);
    }
  }

  function toast(text) {
    const el = document.createElement('div');
    el.className = 'toast';
    el.dataset.testid = 'toast';
    el.textContent = text;
    $('toasts').append(el);
    setTimeout(() => el.remove(), 3500);
  }

  function heading(text) {
    const h = document.createElement('h3');
    h.textContent = text;
    return h;
  }

  function openModal(children, actions) {
    const box = $('modal-box');
    const row = document.createElement('div');
    row.className = 'modal-actions';
    for (const [label, onClick, testid] of actions) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'text-btn';
      if (testid) button.dataset.testid = testid;
      button.textContent = label;
      button.addEventListener('click', onClick);
      row.append(button);
    }
    box.replaceChildren(...children, row);
    $('modal').hidden = false;
  }

  function closeModal() {
    $('modal').hidden = true;
    $('modal-box').replaceChildren();
  }

  // ---------- start-up ----------

  function wire() {
    for (const button of document.querySelectorAll('.lang-toggle button')) {
      button.addEventListener('click', () => setLang(button.dataset.lang));
    }
    $('back').addEventListener('click', backToList);
    $('start').addEventListener('click', () => sendText(state.current, '/start'));
    $('input-row').addEventListener('submit', (event) => {
      event.preventDefault();
      submitText();
    });
    $('input').addEventListener('keydown', (event) => {
      // Enter sends; Shift+Enter is a new line; Enter that confirms an IME (pinyin) choice is neither.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        submitText();
      }
    });
    $('input').addEventListener('input', autosize);
    $('attach').addEventListener('click', () => $('photo-file').click());
    $('photo-file').addEventListener('change', (event) => {
      const file = event.target.files[0];
      event.target.value = '';
      if (file) choosePhoto(file);
    });
    $('modal').addEventListener('click', (event) => {
      if (event.target === $('modal')) closeModal();
    });
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !$('modal').hidden) closeModal();
    });
  }

  async function main() {
    wire();
    const [personas, bot] = await Promise.all([
      fetch('/api/personas').then((r) => r.json()),
      fetch('/api/bot').then((r) => r.json()),
    ]);
    state.personas = personas;
    state.botUsername = bot.username;
    await setLang(initialLang());
    const fromHash = Number(location.hash.slice(1));
    if (personaById(fromHash)) selectPersona(fromHash);
    document.body.dataset.ready = 'true';
  }

  main();
})();
