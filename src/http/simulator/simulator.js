// The phone simulator page (src/http/simulator/page.html): typing, multi-tap, SMS and USSD
// against /simulator/api/…. A file, not an inline script, so the page needs no CSP exception.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const numEl = $('num'), ed = $('ed'), body = $('body');
  const TAPS = { '1': '.,?!1', '2': 'abc2', '3': 'def3', '4': 'ghi4', '5': 'jkl5', '6': 'mno6',
                 '7': 'pqrs7', '8': 'tuv8', '9': 'wxyz9', '0': ' 0', '*': '*', '#': '#' };
  const GSM7 = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡' +
               'ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
  const GSM7_EXT = '^{}\\[~]|€\f';

  let mode = 'sms';
  let replies = [];        // from GET /simulator/api/messages (oldest first)
  const sent = {};         // phone number -> [{text, t, state, err}] sent from this page
  let online = true, lastSig = '', seenId = null;
  let tap = null;          // pending multi-tap: {key, i, pos, timer}
  let ussd = { state: 'idle', note: '' };
  let ussdSeq = 0;         // bumps on cancel, so late responses are ignored
  let waiting = [];        // queued for this phone, not sent yet: {outbox_id, text, note, ...}
  // Notes from loa (duplicates, held messages, who a demo phone is) in this language: ?lang=en.
  const LANG = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'vi';

  const store = {
    get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } },
    set(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* ignore */ } },
  };

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  const pad = (n) => String(n).padStart(2, '0');
  function hhmm(t) { if (!t) return ''; const d = new Date(t); return pad(d.getHours()) + ':' + pad(d.getMinutes()); }
  const number = () => numEl.value.trim();
  const sentFor = (n) => sent[n] || (sent[n] = []);
  function errMsg(j, status) {
    return (j && j.error && (j.error.message || j.error.code)) || ('Error ' + status);
  }

  // ---- SMS length, like a phone's counter ----
  function smsInfo(s) {
    let n = 0;
    for (const ch of s) {
      if (GSM7.includes(ch)) n += 1;
      else if (GSM7_EXT.includes(ch)) n += 2;
      else { n = s.length; const parts = n <= 70 ? 1 : Math.ceil(n / 67); return { ucs: true, n, parts, cap: parts > 1 ? 67 : 70 }; }
    }
    const parts = n <= 160 ? 1 : Math.ceil(n / 153);
    return { ucs: false, n, parts, cap: parts > 1 ? 153 : 160 };
  }

  // ---- rendering ----
  function render(force) {
    if (mode === 'sms') renderSms(force); else renderUssd();
    renderStatus();
    renderEditor();
  }

  function renderStatus() {
    $('sig').classList.toggle('off', !online);
    const unseen = mode === 'ussd' && seenId !== null ? replies.filter((m) => m.id > seenId).length : 0;
    $('sbL').textContent = (mode === 'sms' ? 'SMS' : 'USSD') + (unseen ? '  \u2709' + unseen : '');
    $('clock').textContent = hhmm(Date.now());
  }

  function renderSms(force) {
    const items = sentFor(number()).map((s) => ({ t: s.t, out: s }))
      .concat(replies.map((m) => ({ t: Date.parse(m.created_at) || 0, m })))
      .concat(waiting.map((w) => ({ t: Date.parse(w.created_at) || 0, w })));
    items.sort((a, b) => (a.t - b.t) || ((b.out ? 1 : 0) - (a.out ? 1 : 0)));
    const sig = JSON.stringify(items);
    if (!force && sig === lastSig) return;
    lastSig = sig;
    const stick = force || body.scrollHeight - body.scrollTop - body.clientHeight < 6;
    body.textContent = '';
    if (!items.length) body.append(el('div', 'hint', 'No messages yet.\n(Chưa có tin nhắn)'));
    for (const it of items) {
      const d = el('div', 'msg ' + (it.out ? 'out' : 'in'));
      if (it.out) {
        const s = it.out;
        const meta = s.state === 'error' ? '! ' + s.err : s.state === 'duplicate' ? s.err
          : s.state === 'sending' ? 'sending…' : 'sent';
        const cls = s.state === 'error' ? ' err' : s.state === 'duplicate' ? ' dup' : '';
        d.append(el('div', 'hd', '» You ' + hhmm(s.t)), el('div', 'tx', s.text),
                 el('div', 'meta' + cls, meta));
      } else if (it.w) {
        const w = it.w;
        d.className = 'msg in wait';
        d.append(el('div', 'hd', '« loa …'), el('div', 'tx', w.text || ''), el('div', 'meta held', w.note));
      } else {
        const m = it.m;
        let meta = (m.encoding || '?') + ' · ' + m.parts + (m.parts === 1 ? ' part' : ' parts');
        if (m.status && m.status !== 'sent' && m.status !== 'delivered') meta += ' · ' + m.status;
        d.append(el('div', 'hd', '« loa ' + hhmm(it.t)), el('div', 'tx', m.text), el('div', 'meta', meta));
      }
      body.append(d);
    }
    if (stick) body.scrollTop = body.scrollHeight;
    const maxId = replies.reduce((a, m) => Math.max(a, m.id), -1);
    if (seenId === null || maxId > seenId) seenId = maxId;
  }

  function renderUssd() {
    lastSig = '';
    body.textContent = '';
    const s = ussd.state;
    if (s === 'idle') {
      body.append(el('div', 'hint', 'Dial a USSD code,\nthen press Call.\n(Quay mã rồi bấm Gọi)\n\ne.g. *123#'));
      if (ussd.note) body.append(el('div', 'hint err', '\n' + ussd.note));
    } else if (s === 'wait') {
      body.append(el('div', 'hint blink', '\nSending…\n(Đang gửi…)'));
    } else {
      body.append(el('div', s === 'error' ? 'err' : '', ussd.text));
      // A screen that asks for a choice waits for it in the editor; only a closing screen
      // (or an error) goes away with any key.
      if (s !== 'con') body.append(el('div', 'hint', '[any key]'));
    }
    body.scrollTop = 0;
  }

  function edited() {
    if (ussd.note) { ussd.note = ''; renderUssd(); }
    renderEditor();
  }

  function renderEditor() {
    const s = ussd.state, hasText = ed.value !== '';
    let left = 'Send', right = hasText ? 'Clear' : '', count = '';
    if (mode === 'sms') {
      ed.readOnly = false;
      ed.placeholder = 'Write message';
      if (hasText) {
        const i = smsInfo(ed.value);
        count = (i.ucs ? 'U ' : '') + (i.parts * i.cap - i.n) + '/' + i.parts;
      }
    } else {
      ed.readOnly = !(s === 'idle' || s === 'con');
      ed.placeholder = s === 'idle' ? '*123#' : s === 'con' ? 'Reply' : '';
      if (s === 'idle') left = 'Call';
      else if (s === 'con') right = hasText ? 'Clear' : 'Exit';
      else if (s === 'wait') { left = ''; right = 'Cancel'; }
      else { left = 'OK'; right = ''; }
    }
    $('softL').textContent = left;
    $('softR').textContent = right;
    $('cnt').textContent = count;
  }

  // ---- typing ----
  function commitTap() {
    if (!tap) return;
    clearTimeout(tap.timer);
    tap = null;
    ed.setSelectionRange(ed.selectionEnd, ed.selectionEnd);
  }

  function pressDigit(k) {
    if (ed.readOnly) return;
    const chars = mode === 'sms' ? TAPS[k] : k;
    if (tap && tap.key === k && chars.length > 1) {
      clearTimeout(tap.timer);
      tap.i = (tap.i + 1) % chars.length;
      ed.setRangeText(chars[tap.i], tap.pos, tap.pos + 1, 'select');
    } else {
      commitTap();
      const pos = ed.selectionStart;
      ed.setRangeText(chars[0], pos, ed.selectionEnd, chars.length > 1 ? 'select' : 'end');
      if (chars.length > 1) tap = { key: k, i: 0, pos };
    }
    if (tap) tap.timer = setTimeout(commitTap, 800);
    edited();
  }

  function backspace() {
    if (tap) { clearTimeout(tap.timer); tap = null; }   // the pending char is selected: delete it
    let s = ed.selectionStart;
    const e = ed.selectionEnd;
    if (s === e) { if (s === 0) return; s -= 1; }
    ed.setRangeText('', s, e, 'end');
    edited();
  }

  function clearDraft() {
    if (tap) { clearTimeout(tap.timer); tap = null; }
    ed.value = '';
  }

  // ---- actions ----
  function ok() {
    commitTap();
    if (mode === 'sms') sendSms();
    else if (ussd.state === 'idle') dial();
    else if (ussd.state === 'con') ussdReply();
    else if (ussd.state === 'end' || ussd.state === 'error') ussdIdle();
  }

  function back() {
    if (mode === 'ussd' && (ussd.state === 'end' || ussd.state === 'error')) return ussdIdle();
    if (ed.value !== '' && !ed.readOnly) return backspace();
    if (mode === 'ussd' && ussd.state !== 'idle') ussdIdle();
  }

  function end() {
    clearDraft();
    if (mode === 'ussd') ussdIdle(); else renderEditor();
  }

  async function sendSms() {
    const text = ed.value, from = number();
    if (!text.trim()) return;
    if (!from) { numEl.reportValidity(); return; }
    const item = { text, t: Date.now(), state: 'sending', err: '' };
    sentFor(from).push(item);
    clearDraft();
    render(true);
    try {
      const r = await fetch('/simulator/api/sms?lang=' + LANG, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ from, text }),
      });
      const j = await r.json().catch(() => null);
      if (!r.ok || (j && j.error)) { item.state = 'error'; item.err = errMsg(j, r.status); }
      else if (j && j.duplicate) { item.state = 'duplicate'; item.err = j.note || 'duplicate'; }
      else item.state = 'sent';
    } catch (e) {
      item.state = 'error'; item.err = 'Network error (Lỗi mạng)';
    }
    if (mode === 'sms') render(true);
  }

  // ---- USSD ----
  function setUssd(state, text) {
    ussd.state = state;
    ussd.text = text || '';
    clearDraft();
    if (mode === 'ussd') render();
  }

  function ussdIdle() {
    ussdSeq++;
    ussd = { state: 'idle', note: '' };
    clearDraft();
    render();
  }

  function dial() {
    const code = ed.value.trim();
    if (!code) return;
    if (!/^\*\d[\d*]*#$/.test(code)) { ussd.note = 'Not a USSD code.\n(Mã không hợp lệ)'; return render(); }
    if (!number()) { numEl.reportValidity(); return; }
    const parts = code.slice(1, -1).split('*');   // "*123*1*2#" -> ["123", "1", "2"]
    ussd = {
      state: 'wait', note: '',
      sessionId: 'sim-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10),
      serviceCode: '*' + parts[0] + '#',
      inputs: parts.slice(1),
    };
    ussdPost();
  }

  function ussdReply() {
    const text = ed.value.trim();
    if (!text) return;
    ussd.inputs.push(text);
    ussdPost();
  }

  async function ussdPost() {
    const seq = ++ussdSeq;
    setUssd('wait');
    const form = new URLSearchParams({
      sessionId: ussd.sessionId, serviceCode: ussd.serviceCode, phoneNumber: number(),
      networkCode: '45204', text: ussd.inputs.join('*'),
    });
    let r, txt;
    try {
      r = await fetch('/simulator/api/ussd', { method: 'POST', body: form });
      txt = await r.text();
    } catch (e) {
      if (seq === ussdSeq) setUssd('error', 'Network error\n(Lỗi mạng)');
      return;
    }
    if (seq !== ussdSeq) return;                       // cancelled meanwhile
    if (r.status === 404) return setUssd('error', 'USSD not available\n(USSD chưa có)');
    if (!r.ok) {
      let j = null;
      try { j = JSON.parse(txt); } catch (e) { /* plain text */ }
      return setUssd('error', j ? errMsg(j, r.status) : (txt.trim() || 'Error ' + r.status));
    }
    const m = /^(CON|END)\b ?/.exec(txt);
    if (m && m[1] === 'CON') setUssd('con', txt.slice(m[0].length));
    else setUssd('end', m ? txt.slice(m[0].length) : txt);
  }

  // ---- polling for replies ----
  async function poll() {
    const n = number();
    if (n) {
      try {
        const r = await fetch('/simulator/api/messages?lang=' + LANG + '&to=' + encodeURIComponent(n),
                              { cache: 'no-store' });
        if (!r.ok) throw new Error('HTTP ' + r.status);
        const j = await r.json();
        if (n === number()) {
          replies = Array.isArray(j.messages) ? j.messages : [];
          waiting = Array.isArray(j.waiting) ? j.waiting : [];
        }
        online = true;
      } catch (e) {
        online = false;
      }
    }
    if (mode === 'sms') renderSms(false);
    else if (seenId === null) seenId = replies.reduce((a, m) => Math.max(a, m.id), -1);
    renderStatus();
    setTimeout(poll, 1500);
  }

  // ---- input wiring ----
  function flash(k) {
    const b = document.querySelector('.keys [data-k="' + CSS.escape(k) + '"]');
    if (!b) return;
    b.classList.add('down');
    setTimeout(() => b.classList.remove('down'), 120);
  }

  const SCROLL = { ArrowUp: -10, ArrowDown: 10, PageUp: -60, PageDown: 60 };

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (['Shift', 'Control', 'Alt', 'Meta', 'Tab', 'CapsLock'].includes(e.key)) return;
    if (mode === 'ussd' && (ussd.state === 'end' || ussd.state === 'error')) {
      e.preventDefault(); return ussdIdle();               // any key returns to idle
    }
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); return ok(); }
    if (e.key === 'Escape') { e.preventDefault(); return end(); }
    if (e.key === 'Backspace') { e.preventDefault(); return backspace(); }
    if (SCROLL[e.key]) { e.preventDefault(); body.scrollTop += SCROLL[e.key]; return; }
    commitTap();                                             // typed char goes after the pending one
    if (e.key.length === 1) flash(e.key);
  }

  ed.addEventListener('keydown', onKey);
  ed.addEventListener('input', () => { if (tap) { clearTimeout(tap.timer); tap = null; } edited(); });

  // Typing anywhere on the page (outside form fields) goes to the phone.
  document.addEventListener('keydown', (e) => {
    const t = e.target;
    if (t === ed || (t && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key.length !== 1 && !['Enter', 'Escape', 'Backspace'].includes(e.key) && !SCROLL[e.key]) return;
    ed.focus({ preventScroll: true });
    onKey(e);
  });

  const phone = $('phone');
  phone.addEventListener('mousedown', (e) => { if (e.target.closest('button')) e.preventDefault(); });
  phone.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) { if (e.target.closest('#lcd')) ed.focus(); return; }
    ed.focus({ preventScroll: true });
    if (mode === 'ussd' && (ussd.state === 'end' || ussd.state === 'error')) return ussdIdle();
    const a = b.dataset.a;
    if (b.dataset.k) pressDigit(b.dataset.k);
    else if (a === 'ok' || a === 'call') ok();
    else if (a === 'back') back();
    else if (a === 'end') end();
  });

  numEl.value = store.get('loa.sim.number') || numEl.value;
  function numberChanged() {
    store.set('loa.sim.number', number());
    replies = []; waiting = []; seenId = null;
    if (mode === 'ussd') ussdIdle(); else render(true);
  }
  numEl.addEventListener('input', numberChanged);

  // The demo phones and who they are, as loa knows them.
  const pick = $('pick');
  fetch('/simulator/api/phones?lang=' + LANG).then((r) => (r.ok ? r.json() : null)).then((j) => {
    if (!j || !Array.isArray(j.phones) || !j.phones.length) return;
    for (const p of j.phones) {
      const o = el('option', '', p.number + ' · ' + p.who);
      o.value = p.number;
      pick.append(o);
    }
    $('pickbox').hidden = false;
  }).catch(() => {});
  pick.addEventListener('change', () => {
    if (!pick.value) return;
    numEl.value = pick.value;
    numberChanged();
    pick.value = '';
  });

  document.querySelectorAll('input[name=mode]').forEach((r) => r.addEventListener('change', () => {
    mode = r.value;
    store.set('loa.sim.mode', mode);
    commitTap();
    clearDraft();
    ussdSeq++;
    ussd = { state: 'idle', note: '' };
    render(true);
    ed.focus();
  }));
  if (store.get('loa.sim.mode') === 'ussd') { mode = 'ussd'; $('m-ussd').checked = true; }

  render(true);
  ed.focus();
  poll();
})();
