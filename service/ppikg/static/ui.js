/* ppikg web UI: the SPARQL editor (vendored YASGUI), canned queries, upload-and-validate (the heat-map and citations graph are served in the page).
   Talks only to this server (same origin); every failed request is shown to the reader as a message. */
(function () {
  "use strict";

  var W = JSON.parse(document.getElementById("ui-words").textContent);
  var LANG = document.body.getAttribute("data-lang") || "es";
  var PAGE = document.body.getAttribute("data-page");
  var ENDPOINT = new URL("/sparql", window.location.href).href;

  var XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  var TYPES = { xlsx: XLSX, ods: "application/vnd.oasis.opendocument.spreadsheet", ttl: "text/turtle",
                jsonld: "application/ld+json", json: "application/ld+json", nt: "application/n-triples",
                nq: "application/n-quads", trig: "application/trig", rdf: "application/rdf+xml" };

  var DEFAULT_QUERY = [
    "# " + (LANG === "en" ? "The six director competencies of Acuerdo 449 and the Octavo aspect each one matches"
                          : "Las seis competencias del director del Acuerdo 449 y el aspecto del Octavo que les corresponde"),
    "PREFIX ppi: <https://w3id.org/ppikg/ontology#>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>",
    "",
    "SELECT ?competency ?label ?aspect WHERE {",
    "  ?competency a ppi:Competency ; skos:notation ?n ; rdfs:label ?label .",
    "  FILTER(lang(?label) = \"" + LANG + "\")",
    "  OPTIONAL { ?competency ppi:correspondsToAspect ?aspect }",
    "}",
    "ORDER BY ?n",
  ].join("\n");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function say(box, message, kind) {
    if (!box) return;
    box.textContent = message || "";
    box.className = "status" + (kind ? " " + kind : "");
  }

  /* A readable message for a failed response: the server's {"error": …} or {"detail": …} if any. */
  function failure(url, response) {
    var head = response.status === 404 || response.status === 405 ? W.endpoint_missing : W.endpoint_error;
    return response.text().then(function (body) {
      var detail = body;
      try {
        var json = JSON.parse(body);
        detail = json.error || body;  // every error of the service: {"error", "status", "code"}
        if (typeof detail !== "string") detail = JSON.stringify(detail);
      } catch (e) { /* not JSON: keep the text */ }
      if (/^\s*</.test(detail)) detail = "";
      return head + " (" + url.split("?")[0] + ": HTTP " + response.status + ")" +
        (detail ? ": " + detail.slice(0, 300) : ".");
    });
  }

  function networkFailure(url, error) {
    return W.endpoint_error + " (" + url.split("?")[0] + "): " + (error && error.message ? error.message : error);
  }

  function text(value) {
    if (value == null) return "";
    if (typeof value === "string") return value;
    return value[LANG] || value.es || value.en || "";
  }

  /* ---------- the editor ---------- */

  var yasgui = null;

  function pageJson(id, fallback) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : fallback;
  }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  /* YASGUI draws its own labels in English. `pairs` ([YASGUI's text, this page's text], from words.toml) say
     what to show instead: a text with {0}, {1}, … matches whatever YASGUI put there, carried over in place. */
  function translator(pairs) {
    var exact = {}, patterns = [];
    pairs.forEach(function (pair) {
      var from = pair[0], to = pair[1];
      if (from === to) return;
      var parts = from.split(/\{(\d)\}/);
      if (parts.length === 1) { exact[from] = to; return; }
      var order = [];
      var source = parts.map(function (part, i) {
        if (i % 2) { order.push(Number(part)); return "(.+?)"; }
        return escapeRe(part);
      }).join("");
      patterns.push({ re: new RegExp("^" + source + "$"), order: order, to: to });
    });
    return function (text) {
      var t = text.trim();
      if (!t) return null;
      if (Object.prototype.hasOwnProperty.call(exact, t)) return text.replace(t, exact[t]);
      for (var i = 0; i < patterns.length; i++) {
        var m = patterns[i].re.exec(t);
        if (!m) continue;
        var values = {};
        patterns[i].order.forEach(function (n, k) { values[n] = m[k + 1]; });
        return text.replace(t, patterns[i].to.replace(/\{(\d)\}/g, function (_, n) { return values[n]; }));
      }
      return null;
    };
  }

  var LABEL_ATTRIBUTES = ["title", "placeholder", "aria-label"];

  /* What is the reader's, not YASGUI's: the query's text and the results' values and column names (the
     columns' own labels, their attributes, are YASGUI's). */
  function readersText(node) {
    var elem = node.nodeType === 1 ? node : node.parentElement;
    if (!elem || !elem.closest) return false;
    if (elem.closest(".CodeMirror-line") || (node.nodeType === 3 && elem.closest("thead th"))) return true;
    var cell = elem.closest("tbody td");
    return !!cell && !cell.classList.contains("dt-empty");
  }

  /* Swap YASGUI's labels as it draws them (and redraws them: the table's counts, a new tab, the settings). */
  function localise(root, pairs) {
    var tr = translator(pairs);
    function text(node) {
      if (readersText(node)) return;
      var swapped = tr(node.nodeValue);
      if (swapped !== null && swapped !== node.nodeValue) node.nodeValue = swapped;
    }
    function attributes(elem) {
      if (readersText(elem)) return;
      LABEL_ATTRIBUTES.forEach(function (name) {
        var value = elem.getAttribute(name);
        if (!value) return;
        var swapped = tr(value);
        if (swapped !== null && swapped !== value) elem.setAttribute(name, swapped);
      });
    }
    function walk(node) {
      if (node.nodeType === 3) { text(node); return; }
      if (node.nodeType !== 1) return;
      attributes(node);
      var walker = document.createTreeWalker(node, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
      for (var n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.nodeType === 3) text(n); else attributes(n);
      }
    }
    walk(root);
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        if (r.type === "characterData") text(r.target);
        else if (r.type === "attributes") attributes(r.target);
        else r.addedNodes.forEach(walk);
      });
    }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true,
                       attributeFilter: LABEL_ATTRIBUTES });
  }

  /* The server declares some prefixes for every query (the same map its endpoint uses): YASQE's tokenizer is
     told of them too, so a query using them without PREFIX is not drawn as a parse error. */
  function predeclare(Yasqe, prefixes) {
    var modes = Yasqe.modes;
    var make = modes && modes.sparql11;
    if (!make || make.predeclared) return;
    var wrapped = function (config, parserConfig) {
      var mode = make(config, parserConfig);
      var start = mode.startState;
      mode.startState = function () {
        var state = start.apply(mode, arguments);
        Object.keys(prefixes).forEach(function (p) {
          if (state.prefixes[p] === undefined) state.prefixes[p] = prefixes[p];
        });
        return state;
      };
      return mode;
    };
    wrapped.predeclared = true;
    modes.sparql11 = wrapped;
  }

  /* The server's answer to a query it could not run ({"error", "status", "code"}), readable: a heading, the
     line and column when the message gives them ("error at 3:17"), the message wrapped. */
  function queryError(error) {
    if (!error || !error.text) return undefined;  // no answer at all: YASGUI's own message
    var message = error.text;
    var status = error.status;
    try {
      var body = JSON.parse(error.text);
      message = body.error || message;
      status = status || body.status;
    } catch (e) { /* not JSON: the text itself */ }
    if (typeof message !== "string") message = JSON.stringify(message);
    var syntax = /syntax error|error de sintaxis/i.test(message);  // the body is worded in either language
    var box = el("div", { "class": "query-error", role: "alert" }, [
      el("h3", { text: (syntax ? W.syntax_error : W.query_error) + (status ? " (HTTP " + status + ")" : "") })]);
    var at = /\berror at (\d+):(\d+)/.exec(message);
    if (at) {
      box.appendChild(el("p", { "class": "position", "data-line": at[1], "data-column": at[2],
                                text: W.at_position.replace("{line}", at[1]).replace("{column}", at[2]) }));
    }
    box.appendChild(el("pre", { "class": "message", text: message }));
    return box;
  }

  function setupEditor() {
    var host = document.getElementById("yasgui");
    var status = document.getElementById("editor-status");
    if (!host) return;
    if (typeof window.Yasgui === "undefined") {
      say(status, W.endpoint_error + ": /static/yasgui/yasgui.min.js", "error");
      return;
    }
    var Yasgui = window.Yasgui;
    var Yasqe = Yasgui.Yasqe;
    predeclare(Yasqe, pageJson("sparql-prefixes", {}));
    Yasgui.Yasr.defaults.errorRenderers = [queryError];
    var pairs = pageJson("yasgui-words", []);
    if (pairs.length) localise(host, pairs);
    // No look-ups on other hosts: drop the autocompleters that ask Linked Open Vocabularies (class,
    // property); the prefix autocompleter uses YASQE's built-in list since prefixCcApi is null.
    Yasqe.defaults.autocompleters = Yasqe.defaults.autocompleters.filter(function (name) {
      return name !== "class" && name !== "property";
    });
    Yasqe.defaults.prefixCcApi = null;
    yasgui = new Yasgui(host, {
      requestConfig: { endpoint: ENDPOINT + "?lang=" + LANG, method: "POST",  // its errors in the page's language

                       acceptHeaderSelect: "application/sparql-results+json,*/*;q=0.9" },
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: ENDPOINT }]; }, keys: [] },
      copyEndpointOnNewTab: true,
      persistenceId: null,          // nothing kept in localStorage
      populateFromUrl: false,       // a shared link cannot point the editor at another endpoint
      autofocus: false,
      corsProxy: undefined,
      tabName: LANG === "en" ? "Query" : "Consulta",
      yasqe: { value: DEFAULT_QUERY, prefixCcApi: null, autocompleters: Yasqe.defaults.autocompleters },
      yasr: { prefixes: {} },
    });
    localLinks(host);
    var tab = yasgui.getTab();
    if (tab && tab.getYasqe()) tab.getYasqe().setValue(DEFAULT_QUERY);
    yasgui.on("queryResponse", function (instance, t) {
      say(status, "");
    });
  }

  /* IRIs the project minted open their linked-data page on this server, not on w3id.org. */
  var BASE = "https://w3id.org/ppikg/";
  function localLinks(host) {
    host.addEventListener("click", function (event) {
      var a = event.target.closest ? event.target.closest("a[href]") : null;
      if (!a || a.getAttribute("href").indexOf(BASE) !== 0) return;
      event.preventDefault();
      var local = "/" + a.getAttribute("href").slice(BASE.length);
      if (a.target === "_blank" || event.ctrlKey || event.metaKey) window.open(local, "_blank", "noopener");
      else window.location.assign(local);
    }, true);
  }

  function currentTab() {
    return yasgui ? yasgui.getTab() : null;
  }

  /* ---------- canned queries ---------- */

  function paramName(p) { return typeof p === "string" ? p : (p.name || p.id); }

  function paramDefault(item, p) {
    var name = paramName(p);
    if (item.example && item.example[name] != null) return String(item.example[name]);
    if (typeof p === "object" && p["default"] != null) return String(p["default"]);
    return "";
  }

  /* The canned query's SPARQL text: GET /queries/{id}.rq (or a text field of the listing, if it has one). */
  function loadText(item) {
    var inline = item.sparql || item.query;
    if (inline) return Promise.resolve(inline);
    var url = "/queries/" + encodeURIComponent(item.id) + ".rq?lang=" + LANG;  // its errors in the page's language
    return fetch(url, { headers: { Accept: "application/sparql-query, text/plain" } }).then(function (response) {
      if (!response.ok) return failure(url, response).then(function (m) { throw new Error(m); });
      return response.text();
    });
  }

  function showResults(data, started) {
    var tab = currentTab();
    if (!tab) return;
    tab.getYasr().setResponse({ data: data, contentType: "application/sparql-results+json", status: 200,
                                executionTime: Date.now() - started });
  }

  function runCanned(item, form) {
    var status = document.getElementById("editor-status");
    var tab = currentTab();
    var params = item.parameters || [];
    var values = new URLSearchParams();
    params.forEach(function (p) {
      var input = form.querySelector("[name='" + CSS.escape(paramName(p)) + "']");
      if (input && input.value !== "") values.append(paramName(p), input.value);
    });
    var editor = document.getElementById("yasgui");
    say(status, W.loading, "busy");
    loadText(item).then(function (sparql) {
      if (tab) tab.getYasqe().setValue(sparql);
      if (tab && params.length === 0) {
        // A query without parameters runs in the editor itself, against /sparql.
        say(status, "");
        editor.scrollIntoView({ block: "start" });
        return tab.query();
      }
      // With parameters the server binds them: GET /queries/{id}?name=… answers SPARQL JSON results,
      // shown under the query's text.
      values.append("lang", LANG);  // not a parameter of the query: the language of its errors
      var url = "/queries/" + encodeURIComponent(item.id) + "?" + values;

      var started = Date.now();
      return fetch(url, { headers: { Accept: "application/sparql-results+json" } }).then(function (response) {
        if (!response.ok) return failure(url, response).then(function (m) { say(status, m, "error"); });
        return response.json().then(function (data) {
          say(status, "");
          showResults(data, started);
          editor.scrollIntoView({ block: "start" });
        });
      });
    }).catch(function (e) { say(status, e && e.message ? e.message : String(e), "error"); });
  }

  function cannedItem(item, index) {
    var title = text(item.title) || item.id;
    var form = el("form", { "class": "canned-item", "data-query-id": item.id, "aria-labelledby": "cq-" + index });
    form.appendChild(el("h3", { id: "cq-" + index, text: title }));
    if (item.description) form.appendChild(el("p", { text: text(item.description) }));
    (item.parameters || []).forEach(function (p, j) {
      var name = paramName(p);
      var id = "cq-" + index + "-p" + j;
      var label = (typeof p === "object" && (text(p.label) || text(p.title) || text(p.description))) || name;
      var input = el("input", { id: id, name: name, type: "text", value: paramDefault(item, p),
                                spellcheck: "false", autocomplete: "off" });
      if (typeof p === "object" && p.required) input.required = true;
      form.appendChild(el("div", { "class": "field" }, [
        el("label", { "for": id }, [el("code", { text: name }), document.createTextNode(" — " + label)]),
        input,
      ]));
    });
    form.appendChild(el("button", { type: "submit", "class": "run", text: W.run }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      runCanned(item, form);
    });
    return el("li", {}, [form]);
  }

  /* A link such as /?canned=gaps&proposal=IRI loads that canned query with those parameters and runs it. */
  function runFromUrl(list) {
    var params = new URLSearchParams(window.location.search);
    var id = params.get("canned");
    if (!id) return;
    var form = list.querySelector("form[data-query-id='" + CSS.escape(id) + "']");
    if (!form) return;
    params.forEach(function (value, name) {
      var input = form.querySelector("input[name='" + CSS.escape(name) + "']");
      if (input) input.value = value;
    });
    form.requestSubmit();
  }

  function loadCanned() {
    var list = document.getElementById("canned-list");
    var status = document.getElementById("canned-status");
    if (!list) return;
    var url = "/queries?lang=" + LANG;
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) return failure(url, response).then(function (m) { say(status, m, "error"); });
        return response.json().then(function (data) {
          var items = Array.isArray(data) ? data : (data.queries || []);
          say(status, items.length ? "" : W.none_queries);
          items.forEach(function (item, i) { list.appendChild(cannedItem(item, i)); });
          runFromUrl(list);
        });
      })
      .catch(function (e) { say(status, networkFailure(url, e), "error"); });
  }

  /* ---------- upload and validate ---------- */

  var reportUrl = null;

  function setupAudit() {
    var form = document.getElementById("audit-form");
    if (!form) return;
    var status = document.getElementById("audit-status");
    var section = document.getElementById("report-section");
    var frame = document.getElementById("report-frame");
    var button = document.getElementById("audit-submit");
    var open = document.getElementById("report-open");

    document.getElementById("report-print").addEventListener("click", function () {
      if (frame.contentWindow) frame.contentWindow.print();
    });
    frame.addEventListener("load", function () {
      try {
        var doc = frame.contentDocument;
        if (doc && doc.documentElement) frame.style.height = (doc.documentElement.scrollHeight + 24) + "px";
      } catch (e) { /* keep the default height */ }
    });

    /* The downloads post the proposal last checked again, asking for the report in their format. */
    var checked = null;
    Array.prototype.forEach.call(document.querySelectorAll("#report-downloads button.download"), function (b) {
      b.addEventListener("click", function () {
        if (!checked) return;
        var format = b.getAttribute("data-format");
        var url = "/validate?" + new URLSearchParams({ lang: checked.lang, severity: checked.severity, format: format });
        b.disabled = true;
        say(status, W.downloading, "busy");
        fetch(url, { method: "POST", body: checked.file, headers: { "Content-Type": checked.type } })
          .then(function (response) {
            if (!response.ok) return failure("/validate", response).then(function (m) { say(status, m, "error"); });
            var name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
            return response.blob().then(function (blob) {
              say(status, "");
              var link = document.createElement("a");
              link.href = URL.createObjectURL(blob);
              link.download = name ? name[1] : "informe." + format;
              document.body.appendChild(link);
              link.click();
              link.remove();
              setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
            });
          })
          .catch(function (e) { say(status, networkFailure("/validate", e), "error"); })
          .finally(function () { b.disabled = false; });
      });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = document.getElementById("proposal-file").files[0];
      if (!file) { say(status, W.no_file, "error"); return; }
      var ext = file.name.split(".").pop().toLowerCase();
      var type = TYPES[ext];
      if (!type) { say(status, W.bad_type, "error"); return; }
      var lang = document.getElementById("report-lang").value;
      var severity = document.getElementById("severity").value;
      var url = "/validate?" + new URLSearchParams({ lang: lang, severity: severity });
      checked = { file: file, type: type, lang: lang, severity: severity };
      button.disabled = true;
      say(status, W.checking, "busy");
      fetch(url, { method: "POST", body: file, headers: { "Content-Type": type, Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) return failure("/validate", response).then(function (m) { say(status, m, "error"); });
          var conforms = response.headers.get("X-PPI-Conforms");
          return response.text().then(function (html) {
            say(status, "");
            if (reportUrl) URL.revokeObjectURL(reportUrl);
            reportUrl = URL.createObjectURL(new Blob([html], { type: "text/html" }));
            frame.src = reportUrl;
            open.href = reportUrl;
            var verdict = document.getElementById("verdict");
            verdict.textContent = conforms === "true" ? W.verdict_ok : conforms === "false" ? W.verdict_bad : "";
            verdict.className = "verdict " + (conforms === "true" ? "ok" : "bad");
            section.hidden = false;
            document.getElementById("report-h").focus && section.scrollIntoView({ block: "start" });
          });
        })
        .catch(function (e) { say(status, networkFailure("/validate", e), "error"); })
        .finally(function () { button.disabled = false; });
    });
  }

  if (PAGE === "nav_query") {
    setupEditor();
    loadCanned();
  }
  setupAudit();
})();
