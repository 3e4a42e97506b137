// Ordo console: the project's own small script. Pages work without it; it only keeps
// parts of a page fresh.
//
// <div data-refresh-url="..." data-refresh-seconds="10"> is replaced every few seconds by
// the HTML fragment the URL returns (rendered and escaped by the server). A 401 means the
// console session ended: go to the sign-in page.
"use strict";

(function () {
  function refresh(element) {
    var url = element.getAttribute("data-refresh-url");
    var seconds = parseInt(element.getAttribute("data-refresh-seconds") || "10", 10);
    if (!url || !(seconds > 0)) {
      return;
    }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (response.status === 401) {
            window.location.reload();
            return null;
          }
          if (!response.ok) {
            element.setAttribute("data-refresh-failed", String(response.status));
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html !== null && html !== undefined) {
            element.innerHTML = html;
            element.removeAttribute("data-refresh-failed");
            element.setAttribute("data-refresh-count",
              String(parseInt(element.getAttribute("data-refresh-count") || "0", 10) + 1));
          }
        })
        .catch(function () {
          element.setAttribute("data-refresh-failed", "network");
        })
        .finally(function () {
          window.setTimeout(tick, seconds * 1000);
        });
    }
    window.setTimeout(tick, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var parts = document.querySelectorAll("[data-refresh-url]");
    for (var i = 0; i < parts.length; i++) {
      refresh(parts[i]);
    }
  });
})();
