/* Live updates for signed-in pages. Pages work without this file; it only adds what arrives meanwhile.
   WebSocket first; if it cannot connect, the events API is polled. Events are de-duplicated by id. */
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.dataset.stream) { return; }
  var lastId = parseInt(body.dataset.lastEvent || "0", 10) || 0;
  var me = body.dataset.user || "";
  var failures = 0;
  var pollTimer = null;
  var socket = null;

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }

  function bumpUnread() {
    var badge = document.getElementById("unread-count");
    if (!badge) { return; }
    badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
  }

  function showPost(payload) {
    var list = document.querySelector("[data-live=posts]");
    if (list && list.dataset.context && list.dataset.context !== payload.context) { list = null; }
    if (list) {
      var empty = document.getElementById("inbox-empty");
      if (empty) { empty.remove(); }
      var item = document.createElement("li");
      item.className = "unread fresh";
      item.dataset.post = payload.id;
      var link = text("a", payload.title, "title");
      link.href = "/channel/posts/" + (payload.root || payload.id) + "/";
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      if (payload.handling_code) {
        item.appendChild(text("span", "TLP:" + payload.handling_code.toUpperCase(), "tlp tlp-" + payload.handling_code));
        item.appendChild(document.createTextNode(" "));
      }
      item.appendChild(text("span", payload.topic, "tag"));
      item.appendChild(text("div", payload.author + " · " + payload.administration, "meta"));
      list.insertBefore(item, list.firstChild);
    }
    var replies = document.querySelector("[data-live=replies]");
    if (replies && String(payload.root) === replies.dataset.root) {
      var emptyReplies = document.getElementById("replies-empty");
      if (emptyReplies) { emptyReplies.remove(); }
      var reply = document.createElement("article");
      reply.className = "reply card fresh";
      reply.appendChild(text("p", payload.author + " · " + payload.administration, "meta"));
      var more = text("a", payload.title);
      more.href = window.location.pathname;
      reply.appendChild(more);
      replies.appendChild(reply);
    }
  }

  function handle(event) {
    if (typeof event.id !== "number" || event.id <= lastId) { return; }
    lastId = event.id;
    if (event.type === "post" && event.op === "add" && String(event.payload.author_id) !== me) {
      bumpUnread();
      showPost(event.payload);
    }
    var key = event.type + ":" + ((event.payload && event.payload.context) || "");
    document.querySelectorAll("[data-live-count]").forEach(function (counter) {
      if (counter.dataset.liveCount === key && event.op === "add") {
        counter.textContent = String((parseInt(counter.textContent, 10) || 0) + 1);
      }
    });
    document.dispatchEvent(new CustomEvent("ops:event", { detail: event }));
  }

  function poll() {
    var url = body.dataset.events + "?after=" + lastId + "&limit=200";
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (page) { page.results.forEach(handle); })
      .catch(function () { /* offline: try again at the next tick */ });
  }

  function startPolling() {
    if (pollTimer === null) { pollTimer = window.setInterval(poll, 20000); poll(); }
  }

  function stopPolling() {
    if (pollTimer !== null) { window.clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    if (!("WebSocket" in window)) { startPolling(); return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + body.dataset.stream + "?after=" + lastId);
    socket.onopen = function () { failures = 0; stopPolling(); body.dataset.streamState = "open"; };
    socket.onmessage = function (message) {
      try { handle(JSON.parse(message.data)); } catch (error) { /* ignore a malformed frame */ }
    };
    socket.onclose = function () {
      body.dataset.streamState = "closed";
      failures += 1;
      if (failures >= 3) { startPolling(); }
      window.setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
    };
  }

  connect();
}());
