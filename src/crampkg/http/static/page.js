// crampkg explainer: progressive enhancement of the server-rendered form at "/".
// Without this script every button posts the form and the server renders the page; with it the
// same form data goes to /answer, which returns the same server-rendered fragment (built from the
// JSON of POST /explain), swapped in place; the case is kept in the URL (history.pushState).
(function () {
  'use strict';
  const form = document.getElementById('case-form');
  const live = document.getElementById('live');
  const status = document.getElementById('status');
  const input = document.getElementById('add');
  const listbox = document.getElementById('add-options');
  if (!form || !live) return;
  document.documentElement.classList.add('js');

  // ------------------------------------------------------------------ talking to the server
  let pending = null;
  async function update(body, opts) {
    const options = opts || {};
    if (pending) pending.abort();
    const controller = new AbortController();
    pending = controller;
    live.setAttribute('aria-busy', 'true');
    let response;
    try {
      const init = body === null
        ? {method: 'GET', signal: controller.signal}
        : {method: 'POST', body: body, signal: controller.signal,
           headers: {'Content-Type': 'application/x-www-form-urlencoded'}};
      const url = body === null ? '/answer' + window.location.search : '/answer';
      response = await fetch(url, init);
    } catch (err) {
      if (err.name !== 'AbortError') status.textContent = String(err);
      return;
    } finally {
      live.removeAttribute('aria-busy');
    }
    if (pending === controller) pending = null;
    const html = await response.text();
    if (!response.ok) {
      status.textContent = response.status + ' ' + html.slice(0, 200);
      return;
    }
    live.innerHTML = html;
    const caseUrl = response.headers.get('X-Case-URL');
    if (caseUrl && options.push !== false && caseUrl !== window.location.pathname + window.location.search) {
      window.history.pushState({crampkg: true}, '', caseUrl);
    }
    status.textContent = decodeURIComponent(response.headers.get('X-Status') || '');
    enhanceFragment();
    if (options.keepFocus) return;
    const target = live.querySelector('[data-autofocus]');
    if (target) target.focus();
  }

  function formBody(submitter, extra) {
    const data = new FormData(form, submitter || undefined);
    if (extra) for (const [k, v] of Object.entries(extra)) data.set(k, v);
    return new URLSearchParams(data);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    const submitter = event.submitter;
    const value = submitter ? submitter.value : '';
    if (submitter && submitter.name === 'do' && value === 'read' && input.value.trim() && !form.elements.text.value.trim()) {
      // Enter in the finding field: add what was typed
      addTyped();
      return;
    }
    const keep = value === 'add';
    update(formBody(submitter), {keepFocus: keep}).then(function () {
      if (keep) { input.value = ''; input.focus(); }
    });
  });

  window.addEventListener('popstate', function () { update(null, {push: false, keepFocus: true}); });

  // ------------------------------------------------------------------ the fragment
  function enhanceFragment() {
    const share = document.getElementById('share');
    const link = document.getElementById('case-link');
    const out = document.getElementById('share-status');
    if (share && link) {
      share.addEventListener('click', async function () {
        const url = new URL(link.getAttribute('href'), window.location.href).href;
        // the link is shown at once; the clipboard may refuse or never answer (no permission, a
        // page without focus), and then the shown link is there to copy by hand
        out.textContent = url;
        out.dataset.url = url;
        try {
          await navigator.clipboard.writeText(url);
          out.textContent = form.dataset.copied + ': ' + url;
        } catch (err) {
          out.textContent = url;
        }
      });
    }
  }
  enhanceFragment();
  // a case given in the URL but rendered without script (e.g. ?text=...): normalise the address
  const first = live.querySelector('[data-case-url]');
  if (first && window.location.search && first.getAttribute('data-case-url') !== window.location.pathname + window.location.search) {
    window.history.replaceState({crampkg: true}, '', first.getAttribute('data-case-url'));
  }

  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.setAttribute('open', ''); });
  });

  // ------------------------------------------------------------------ the finding picker
  if (!input || !listbox) return;
  let findings = null;
  let loading = null;
  let options = [];
  let active = -1;
  const kinds = JSON.parse(form.dataset.kinds || '{}');
  const lang = document.documentElement.lang || 'en';
  input.removeAttribute('list');
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', 'add-options');

  function fold(text) {
    return (text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ß/g, 'ss').toLowerCase();
  }

  function load() {
    if (!loading) {
      loading = fetch('/findings').then(function (r) { return r.json(); }).then(function (list) {
        findings = list.map(function (f) {
          const names = [f.label, f.label_de].concat(f.synonyms || []).filter(Boolean);
          return {item: f, names: names, folded: names.map(fold)};
        });
      });
    }
    return loading;
  }

  function inCase() {
    return new Set(Array.from(form.querySelectorAll('input[type=hidden][name=present], input[type=hidden][name=absent]'))
      .map(function (i) { return i.value; }));
  }

  function search(text) {
    const key = fold(text.trim());
    if (!key || !findings) return [];
    const words = key.split(/\s+/);
    const hits = [];
    for (const f of findings) {
      let best = null;
      f.folded.forEach(function (name, i) {
        let rank;
        if (name === key) rank = 0;
        else if (name.startsWith(key)) rank = 1;
        else if (name.split(/\s+/).some(function (w) { return w.startsWith(key); })) rank = 2;
        else if (words.every(function (w) { return name.includes(w); })) rank = 3;
        else return;
        if (i > 1) rank += 0.5;  // a synonym after a label
        if (!best || rank < best.rank) best = {rank: rank, name: f.names[i]};
      });
      if (best) hits.push({f: f.item, rank: best.rank, matched: best.name});
    }
    hits.sort(function (a, b) { return a.rank - b.rank || a.f.label.localeCompare(b.f.label); });
    return hits.slice(0, 8);
  }

  function labelOf(f) { return (lang === 'de' && f.label_de) ? f.label_de : f.label; }

  function render(hits) {
    const present = inCase();
    listbox.textContent = '';
    options = hits;
    active = -1;
    input.removeAttribute('aria-activedescendant');
    hits.forEach(function (hit, i) {
      const li = document.createElement('li');
      li.id = 'add-opt-' + i;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.dataset.id = hit.f.id;
      const main = document.createElement('span');
      main.textContent = labelOf(hit.f);
      li.appendChild(main);
      const why = document.createElement('span');
      why.className = 'why';
      const bits = [kinds[hit.f.kind] || hit.f.kind];
      if (hit.matched !== labelOf(hit.f)) bits.unshift('\u201c' + hit.matched + '\u201d');
      if (present.has(hit.f.id)) bits.push(form.dataset.inCase);
      why.textContent = bits.join(' \u00b7 ');
      li.appendChild(why);
      li.addEventListener('mousedown', function (ev) { ev.preventDefault(); choose(i); });
      listbox.appendChild(li);
    });
    const open = hits.length > 0;
    listbox.hidden = !open;
    input.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  function highlight(i) {
    const items = listbox.querySelectorAll('[role=option]');
    items.forEach(function (li, j) { li.setAttribute('aria-selected', j === i ? 'true' : 'false'); });
    active = i;
    if (i >= 0 && items[i]) {
      input.setAttribute('aria-activedescendant', items[i].id);
      items[i].scrollIntoView({block: 'nearest'});
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function close() { render([]); }

  function choose(i) {
    const hit = options[i];
    if (!hit) return;
    close();
    input.value = '';
    update(formBody(null, {do: 'add:' + hit.f.id, add: ''}), {keepFocus: true}).then(function () { input.focus(); });
  }

  function addTyped() {
    const text = input.value.trim();
    if (!text) return;
    close();
    update(formBody(null, {do: 'add', add: text}), {keepFocus: true}).then(function () {
      if (!live.querySelector('.error')) input.value = '';
      input.focus();
    });
  }

  input.addEventListener('focus', load);
  input.addEventListener('input', function () { load().then(function () { render(search(input.value)); }); });
  input.addEventListener('blur', function () { window.setTimeout(close, 100); });
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'ArrowDown') {
      ev.preventDefault();
      if (listbox.hidden) { load().then(function () { render(search(input.value)); highlight(0); }); return; }
      highlight(Math.min(active + 1, options.length - 1));
    } else if (ev.key === 'ArrowUp') {
      ev.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      if (active >= 0) choose(active); else addTyped();
    } else if (ev.key === 'Escape') {
      if (!listbox.hidden) { ev.preventDefault(); close(); }
    }
  });
}());
