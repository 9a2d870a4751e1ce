/* Web chat of the QR landing page, over the Rasa-compatible REST channel.
   Without JavaScript the same page works as a plain form; this script only makes it smoother:
   no page reloads, the conversation kept in this tab (sessionStorage), nothing sent elsewhere. */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || !window.fetch || !window.sessionStorage) { return; }
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var buttons = document.getElementById("buttons");
  var endpoint = root.getAttribute("data-endpoint");
  var startCode = root.getAttribute("data-start") || "";
  var key = "outreach-chat:" + (startCode || "-");
  var saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  var state = saved || { sender: newSender(), lines: [], buttons: [], after: 0 };
  var busy = false;
  var pollEvery = 5000;
  var pollPath = root.getAttribute("data-poll");

  function newSender() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var out = "web-";
    for (var i = 0; i < bytes.length; i++) { out += ("0" + bytes[i].toString(16)).slice(-2); }
    return out;
  }

  function save() {
    try { sessionStorage.setItem(key, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function addLine(side, text) {
    var item = document.createElement("li");
    item.className = side;
    item.textContent = text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function showButtons(list) {
    buttons.textContent = "";
    list.forEach(function (button) {
      var element = document.createElement("button");
      element.type = "button";
      element.textContent = button.title;
      element.addEventListener("click", function () { send(button.payload, button.title); });
      buttons.appendChild(element);
    });
  }

  function render() {
    log.textContent = "";
    state.lines.forEach(function (line) { addLine(line.side, line.text); });
    showButtons(state.buttons);
  }

  function send(message, shown) {
    if (busy) { return Promise.resolve(); }
    busy = true;
    if (shown) { state.lines.push({ side: "me", text: shown }); addLine("me", shown); }
    state.buttons = [];
    showButtons([]);
    return fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: message })
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (replies) {
      replies.forEach(function (reply) {
        state.lines.push({ side: "bot", text: reply.text });
        addLine("bot", reply.text);
        if (reply.buttons && reply.buttons.length) { state.buttons = reply.buttons; }
      });
      showButtons(state.buttons);
      save();
    }).catch(function () {
      addLine("error", root.getAttribute("data-not-sent"));
    }).then(function () { busy = false; });
  }

  form.innerHTML = "";
  form.appendChild(buttons);
  /* The texts come from the page (bot/messages.yml); set as text, never parsed as HTML. */
  var row = document.createElement("div");
  row.className = "row";
  var label = document.createElement("label");
  label.className = "visually-hidden";
  label.htmlFor = "message";
  label.textContent = root.getAttribute("data-label");
  var input = document.createElement("input");
  input.id = "message";
  input.name = "message";
  input.type = "text";
  input.autocomplete = "off";
  input.maxLength = 1000;
  input.placeholder = root.getAttribute("data-placeholder");
  var sendButton = document.createElement("button");
  sendButton.type = "submit";
  sendButton.className = "send";
  sendButton.textContent = root.getAttribute("data-send");
  row.appendChild(label);
  row.appendChild(input);
  row.appendChild(sendButton);
  form.appendChild(row);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text, text);
  });

  /* A counsellor who takes over the conversation writes from the back office; the web chat
     has no push, so it asks for their messages while the page is visible. */
  function poll() {
    if (!pollPath || document.hidden || !state.lines.length) { return; }
    var url = pollPath + "?sender=" + encodeURIComponent(state.sender) +
      "&after=" + encodeURIComponent(state.after || 0);
    fetch(url).then(function (response) {
      if (response.status === 404) { pollPath = null; return []; }
      return response.ok ? response.json() : [];
    }).then(function (messages) {
      messages.forEach(function (message) {
        state.after = Math.max(state.after || 0, message.id);
        state.lines.push({ side: "human", text: message.text });
        addLine("human", message.text);
      });
      if (messages.length) { save(); }
    }).catch(function () { /* offline for a moment: try again later */ });
  }
  window.setInterval(poll, pollEvery);

  render();
  if (!saved) {
    save();
    send(startCode ? "/start " + startCode : "/start", null);
  }
  input.focus();
})();
