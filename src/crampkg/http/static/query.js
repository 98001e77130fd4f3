// crampkg SPARQL console: run a query against /sparql and show the table; IRIs open the term.
(function () {
  'use strict';
  const form = document.getElementById('f');
  const q = document.getElementById('q');
  const fmt = document.getElementById('fmt');
  const out = document.getElementById('out');
  const status = document.getElementById('status');
  const example = document.getElementById('example');
  const purpose = document.getElementById('purpose');
  const shareOut = document.getElementById('share-status');
  const SAFE_IRI = /^https?:\/\/[^\s<>"{}|\\^`]+$/;

  function termQuery(iri) {
    return 'SELECT ?property ?value WHERE { <' + iri + '> ?property ?value } ORDER BY ?property';
  }

  function linkFor(iri) {
    return '/query?' + new URLSearchParams({query: termQuery(iri)}).toString();
  }

  function cell(td, binding) {
    if (!binding) return;
    if (binding.type === 'uri' && SAFE_IRI.test(binding.value)) {
      const a = document.createElement('a');
      a.href = linkFor(binding.value);
      a.textContent = binding.value;
      td.appendChild(a);
    } else {
      td.textContent = binding.value;
      if (binding['xml:lang']) td.lang = binding['xml:lang'];
    }
  }

  async function run(push) {
    const format = fmt.value;
    out.textContent = '';
    status.textContent = 'running\u2026';
    if (push) {
      const url = '/query?' + new URLSearchParams({query: q.value, format: format}).toString();
      window.history.pushState(null, '', url);
    }
    const body = new URLSearchParams({query: q.value, format: format});
    try {
      const r = await fetch('/sparql', {method: 'POST', body: body});
      const text = await r.text();
      const type = r.headers.get('content-type') || '';
      status.textContent = r.status + ' ' + type;
      if (r.ok && format === 'json' && type.includes('sparql-results+json')) {
        const data = JSON.parse(text);
        if ('boolean' in data) { out.textContent = String(data.boolean); return; }
        const table = document.createElement('table');
        const caption = table.createCaption();
        caption.textContent = data.results.bindings.length + ' rows';
        const head = table.createTHead().insertRow();
        for (const v of data.head.vars) {
          const th = document.createElement('th');
          th.scope = 'col';
          th.textContent = v;
          head.appendChild(th);
        }
        const tbody = table.createTBody();
        for (const b of data.results.bindings) {
          const row = tbody.insertRow();
          for (const v of data.head.vars) cell(row.insertCell(), b[v]);
        }
        out.appendChild(table);
      } else {
        const pre = document.createElement('pre');
        pre.textContent = text;
        out.appendChild(pre);
      }
    } catch (err) {
      status.textContent = 'request failed: ' + err;
    }
  }

  form.addEventListener('submit', function (e) { e.preventDefault(); run(true); });

  document.getElementById('share').addEventListener('click', async function () {
    const url = new URL('/query?' + new URLSearchParams({query: q.value, format: fmt.value}).toString(),
                        window.location.href).href;
    try {
      await navigator.clipboard.writeText(url);
      shareOut.textContent = 'Link copied: ' + url;
    } catch (err) {
      shareOut.textContent = url;
    }
    shareOut.dataset.url = url;
  });

  let examples = [];
  fetch('/query/examples').then(function (r) { return r.json(); }).then(function (list) {
    examples = list;
    for (const ex of list) {
      const opt = document.createElement('option');
      opt.value = ex.name;
      opt.textContent = ex.name.replace(/_/g, ' ');
      example.appendChild(opt);
    }
  });
  example.addEventListener('change', function () {
    const ex = examples.find(function (x) { return x.name === example.value; });
    if (!ex) { purpose.textContent = ''; return; }
    q.value = ex.query;
    purpose.textContent = ex.purpose;
  });

  // a shared link (/query?query=...&format=...) fills the form and runs the query
  function fromUrl() {
    const params = new URLSearchParams(window.location.search);
    if (params.has('query')) {
      q.value = params.get('query');
      if (params.has('format')) fmt.value = params.get('format');
      run(false);
    }
  }
  window.addEventListener('popstate', fromUrl);
  fromUrl();
}());
