// Ordo console: the live order events of the orders page.
//
// <table id="order-events" data-stream-url="..." data-after="N"> lists the newest events the
// server rendered; this script opens the console's event stream (Server-Sent Events, the
// session cookie authenticates it) after event N and puts each new event on top, built
// with textContent only (no markup from the stream is ever parsed). EventSource reconnects
// by itself with Last-Event-ID, so nothing is lost or shown twice. A rejection of an
// acknowledged order ("after_ack") is marked like the server marks it. The order book's row
// of the same order, when shown, takes the event's status and fill.
// The table counts its stream's connections and frames (data-connections, data-received)
// for anyone checking that reconnects neither lose nor repeat events.
// Keep the row in step with templates/_event_row.html.
"use strict";

(function () {
  var MAX_ROWS = 200;
  var BAD = { REJECTED: true, CANCELLED: true, EXPIRED: true };

  function istTime(iso) {
    var moment = new Date(iso);
    if (isNaN(moment.getTime())) {
      return "";
    }
    return moment.toLocaleTimeString("en-GB", { timeZone: "Asia/Kolkata", hour12: false });
  }

  function cell(row, label, text, className) {
    var td = document.createElement("td");
    td.setAttribute("data-label", label);
    if (className) {
      td.className = className;
    }
    if (text !== null && text !== undefined) {
      td.textContent = String(text);
    }
    row.appendChild(td);
    return td;
  }

  function statusClass(status) {
    if (BAD[status]) {
      return "state bad";
    }
    return status === "FILLED" ? "state good" : "state warn";
  }

  function flag() {
    var strong = document.createElement("strong");
    strong.className = "flag";
    strong.textContent = "rejected after acknowledgement";
    return strong;
  }

  function eventRow(base, e) {
    var row = document.createElement("tr");
    row.setAttribute("data-event-id", String(e.id));
    row.className = "fresh";
    if (e.after_ack) {
      row.className = "alert fresh";
      row.setAttribute("data-after-ack", "true");
    }
    cell(row, "Time", istTime(e.received_at));
    cell(row, "Account", e.account);
    cell(row, "Order", e.order_id, "mono");
    var status = cell(row, "Status", null);
    var badge = document.createElement("span");
    badge.className = statusClass(e.status);
    badge.textContent = e.status;
    status.appendChild(badge);
    if (e.after_ack) {
      status.appendChild(document.createTextNode(" "));
      status.appendChild(flag());
    }
    cell(row, "Filled", e.filled_quantity, "num");
    cell(row, "Avg price", e.average_price === null ? "" : e.average_price, "num");
    cell(row, "Message", e.message || "");
    var request = cell(row, "Request", null);
    if (e.request_id) {
      var link = document.createElement("a");
      link.href = base + "/requests/" + encodeURIComponent(e.request_id);
      link.className = "mono";
      link.title = e.request_id;
      link.textContent = e.request_id.slice(0, 12);
      request.appendChild(link);
    }
    return row;
  }

  function updateOrderRow(e) {
    var rows = document.querySelectorAll("tr[data-order]");
    var key = e.account + "/" + e.order_id;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-order") !== key) {
        continue;
      }
      var status = rows[i].querySelector("[data-field=status]");
      if (status) {
        status.textContent = "";
        var badge = document.createElement("span");
        badge.className = "state";
        badge.textContent = e.status;
        status.appendChild(badge);
        if (e.after_ack) {
          status.appendChild(document.createTextNode(" "));
          status.appendChild(flag());
          rows[i].classList.add("alert");
        }
      }
      var filled = rows[i].querySelector("[data-field=filled]");
      if (filled) {
        filled.textContent = String(e.filled_quantity);
      }
      var average = rows[i].querySelector("[data-field=average]");
      if (average && e.average_price !== null) {
        average.textContent = String(e.average_price);
      }
    }
  }

  function follow(table) {
    var url = table.getAttribute("data-stream-url");
    var after = table.getAttribute("data-after") || "0";
    var body = table.tBodies[0];
    var state = document.getElementById("order-events-state");
    var base = url.replace(/\/orders\/events.*$/, "");
    function show(name, text) {
      if (state) {
        state.setAttribute("data-state", name);
        state.textContent = text;
      }
    }
    if (!window.EventSource || !url || !body) {
      show("unsupported", "This browser cannot follow events live; reload to see new ones.");
      return;
    }
    var source = new EventSource(url + (url.indexOf("?") < 0 ? "?" : "&") + "after=" +
      encodeURIComponent(after));
    var connections = 0;
    source.addEventListener("open", function () {
      connections += 1;
      table.setAttribute("data-connections", String(connections));
      show("live", "Live: new events appear here as they happen.");
    });
    var received = 0;
    source.addEventListener("order", function (message) {
      received += 1;
      table.setAttribute("data-received", String(received));
      var e;
      try {
        e = JSON.parse(message.data);
      } catch (err) {
        return;
      }
      if (body.querySelector('tr[data-event-id="' + String(Number(e.id)) + '"]')) {
        return;
      }
      body.insertBefore(eventRow(base, e), body.firstChild);
      while (body.rows.length > MAX_ROWS) {
        body.deleteRow(body.rows.length - 1);
      }
      table.setAttribute("data-last-event-id", String(e.id));
      updateOrderRow(e);
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        show("closed", "The live stream stopped (signed out, or the server went away): " +
          "reload the page.");
      } else {
        show("reconnecting", "Reconnecting to the live stream…");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("order-events");
    if (table) {
      follow(table);
    }
  });
})();
