// The search box of a static copy of the atlas (`patchwork export-site`): no server, so the
// names and ZIP codes are looked up in search/names.json and search/zips.json.
(function () {
  "use strict";
  var box = document.getElementById("static-search");
  if (!box) { return; }
  var root = box.getAttribute("data-root");      // the export's root, relative to this page
  var prefix = box.getAttribute("data-prefix");  // the language folder: "" or "es/"
  var labels = JSON.parse(box.getAttribute("data-labels"));
  var status = document.getElementById("static-status");
  var list = document.getElementById("static-results");
  var query = (new URLSearchParams(window.location.search).get("q") || "").trim().slice(0, 120);
  var input = document.getElementById("q");
  if (input) { input.value = query; }

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/&/g, " and ").replace(/[^a-z0-9]+/g, " ").trim();
  }
  function load(name) {
    return fetch(root + "search/" + name + ".json").then(function (r) { return r.json(); });
  }
  function show(found) {
    list.textContent = "";
    found.slice(0, 50).forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + prefix + item.href;
      a.textContent = item.label;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" (" + labels[item.kind] + ")"));
      list.appendChild(li);
    });
    status.textContent = found.length ? "" : labels.none;
  }
  function countyItem(names, fips) {
    return { kind: "county", label: names[fips] || fips, href: "county/" + fips + ".html" };
  }

  if (!query) { status.textContent = labels.empty; return; }
  Promise.all([load("names"), /^\d{5}$/.test(query) ? load("zips") : null]).then(function (got) {
    var n = got[0], zips = got[1], found = [], counties = {};
    n.c.forEach(function (c) { counties[c[0]] = c[1] + ", " + c[2]; });
    if (zips) {
      if (zips[query]) {
        found.push({ kind: "zip", label: query, href: "zip/" + query + ".html" });
        zips[query].split(";").forEach(function (f) { found.push(countyItem(counties, f)); });
      }
      show(found);
      return;
    }
    var want = fold(query), words = want.split(" ");
    function matches(label) {
      var folded = " " + fold(label);
      return words.every(function (w) { return folded.indexOf(" " + w) >= 0; });
    }
    n.s.forEach(function (s) {
      if (want === s[0].toLowerCase() || matches(s[1])) {
        found.push({ kind: "state", label: s[1], href: "state/" + s[0] + ".html" });
      }
    });
    n.c.forEach(function (c) {
      if (matches(c[1] + " " + c[2])) { found.push(countyItem(counties, c[0])); }
    });
    n.p.forEach(function (p) {
      if (matches(p[0] + " " + p[1])) {
        p[2].split(";").forEach(function (f) {
          found.push({ kind: "place", label: p[0] + ", " + p[1] + " — " + (counties[f] || f),
                       href: "county/" + f + ".html" });
        });
      }
    });
    n.a.forEach(function (a) {
      if (matches(a[1] + " " + a[2])) {
        found.push({ kind: "agency", label: a[1] + ", " + a[2], href: "agency/" + a[0] + ".html" });
      }
    });
    // Exact names first, then the order above (states, counties, places, agencies).
    found.forEach(function (item, i) { item.rank = (fold(item.label) === want ? 0 : 1) * 1e6 + i; });
    found.sort(function (a, b) { return a.rank - b.rank; });
    show(found);
  }).catch(function () { status.textContent = labels.none; });
})();
