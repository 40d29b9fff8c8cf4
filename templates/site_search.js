// Referee's offline search: the prebuilt index (search-index.js) filtered in the page, no request made.
// Every query word must occur in a card's title, TL;DR, tags or authors; results are built with
// textContent, never as HTML, so a title cannot inject markup.
(function () {
  "use strict";
  var index = window.REFEREE_INDEX || [];
  var form = document.getElementById("search");
  var input = document.getElementById("q");
  var list = document.getElementById("results");
  var count = document.getElementById("count");

  function fold(text) {
    return String(text || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  var haystacks = index.map(function (r) {
    return fold([r.t, r.l, (r.g || []).join(" "), (r.a || []).join(" ")].join(" \n "));
  });

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function show(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!words.length) {
      count.textContent = index.length + " cards indexed.";
      return;
    }
    var hits = [];
    haystacks.forEach(function (text, i) {
      if (words.every(function (w) { return text.indexOf(w) !== -1; })) hits.push(index[i]);
    });
    hits.sort(function (a, b) { return (b.s === null ? -1 : b.s) - (a.s === null ? -1 : a.s); });
    count.textContent = hits.length + (hits.length === 1 ? " card" : " cards") + " for \u201c" + query + "\u201d.";
    hits.forEach(function (r) {
      var item = element("li", "", "card");
      var link = element("a", r.t, "title");
      link.href = "../" + r.u.split("/").map(encodeURIComponent).join("/");
      item.appendChild(link);
      if (r.s !== null) {
        item.appendChild(document.createTextNode(" "));
        item.appendChild(element("span", r.s.toFixed(1), "score"));
        item.appendChild(document.createTextNode(" "));
        item.appendChild(element("span", r.k || "", "label"));
      }
      if (r.l) item.appendChild(element("p", r.l, "tldr"));
      var meta = (r.a || []).slice(0, 4).join(", ") + (r.d ? " \u00b7 reviewed " + r.d : "");
      if (r.g && r.g.length) meta += " \u00b7 " + r.g.join(", ");
      item.appendChild(element("p", meta, "meta"));
      list.appendChild(item);
    });
  }

  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  show(query);
  input.addEventListener("input", function () { show(input.value); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
    if (window.history && window.history.replaceState) {
      try { window.history.replaceState(null, "", "?q=" + encodeURIComponent(input.value)); } catch (e) { /* file:// */ }
    }
  });
})();
