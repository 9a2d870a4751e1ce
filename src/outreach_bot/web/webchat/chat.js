/* Web chat of the QR landing page, over the Rasa-compatible REST channel.
   Without JavaScript the same page works as a plain form; this script makes it feel like a
   messaging app on a phone:
   - the conversation survives closing the tab and scanning the QR code again: a random token
     (the REST sender id) and what this page showed are kept in this browser's localStorage,
     never in a cookie, never sent anywhere but to this server; like the server's transcript,
     that copy is dropped after as many days without a message as the server keeps it;
   - messages typed while the bot answers wait in a queue and go one after the other, in order;
     a message that could not leave (no network) stays queued, even across closing the tab,
     and is sent again;
   - "..." shows while the bot answers; the last question stays in view above the quick
     replies; the input keeps the focus after a tap;
   - a counsellor's messages are fetched (the web chat has no push) and the header says a
     person of the team is writing for as long as the server says one holds the conversation,
     even when the bot gives crisis numbers meanwhile;
   - after an erasure (SUPPRIMER, confirmed) the screen is cleared and the token forgotten;
   - crisis numbers arrive as buttons whose payload is a tel: or sms: link and become links;
   - a message in paragraphs (the consent) shows as short bubbles, one per paragraph;
   - a question of the contact form brings its keyboard (number pad for the age, phone keypad
     and autofill for the number: the page's data-fields table, custom.field in the reply);
     when it is asked again after an answer the bot could not read (custom.invalid), the
     input says it is in error, points to the question and gets the focus;
   - the first message carries the language the page was shown in (metadata.language: the
     landing page's pick, or the phone's language), so the bot greets in it;
   - the page turns to the conversation's language as soon as a reply names it
     (custom.language, custom.direction): lang and dir on the page (right-to-left for Arabic,
     Dari, Pashto), its own labels from the page's data-labels table; each bubble reads in its
     own text's direction and numbers stay left-to-right (a phone number reads as dialled);
   - the attach button sends a photo (of a paper) or a voice note made with the phone's own
     recorder: it shows as the file's name with a paper clip, goes after the messages
     waiting before it, and the bot answers as on the other channels. A file over the limit is refused here before
     it is sent; one the server refuses (too big, not a photo, a voice note or a PDF) is
     explained with the bot's own words. A file waits in this page's memory only (a browser
     cannot store it): if the tab is closed before it left, it must be chosen again.
   Every text comes from the page (bot/messages.yml) and is set as text, never parsed as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || !window.fetch || !window.localStorage || !window.JSON) { return; }
  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var buttons = document.getElementById("buttons");
  var header = document.getElementById("header");
  var who = document.getElementById("who");
  var endpoint = root.getAttribute("data-endpoint");
  var startCode = root.getAttribute("data-start") || "";
  var pageLang = root.getAttribute("data-lang") || "";
  var pollPath = root.getAttribute("data-poll");
  var mediaPath = root.getAttribute("data-media");
  var maxBytes = parseInt(root.getAttribute("data-max-bytes"), 10) || 0;
  var KEY = "outreach-webchat";
  var POLL_EVERY = 5000;
  var RETRY_AFTER = 4000;
  var LINK = /^(tel|sms):\+?[0-9]+$/;
  var DAY = 24 * 3600 * 1000;
  var keepDays = parseInt(root.getAttribute("data-keep-days"), 10) || 90;
  var PARAGRAPH = /\n\s*\n/;
  var hints = {};
  try { hints = JSON.parse(root.getAttribute("data-fields") || "{}"); } catch (e) { hints = {}; }
  var labels = {};
  try { labels = JSON.parse(root.getAttribute("data-labels") || "{}"); } catch (e) { labels = {}; }
  var NUMBER = /\+?[0-9](?:[0-9 \u00a0./]*[0-9])?/g;

  var state = load();
  var busy = false;
  var typing = null;
  var retryNotice = null;
  var retryTimer = null;
  var files = [];

  function fresh() {
    return { sender: newSender(), lines: [], buttons: [], after: 0, queue: [], sent: 0 };
  }

  function load() {
    try {
      var saved = JSON.parse(localStorage.getItem(KEY) || "null");
      var recent = saved && Date.now() - (saved.at || 0) < keepDays * DAY;
      if (saved && !recent) { forget(); }
      if (recent && typeof saved.sender === "string" && saved.lines instanceof Array) {
        saved.buttons = saved.buttons instanceof Array ? saved.buttons : [];
        saved.after = saved.after || 0;
        saved.queue = saved.queue instanceof Array ? saved.queue : [];
        saved.sent = saved.sent || 0;
        return saved;
      }
    } catch (e) { /* unreadable: start afresh */ }
    return null;
  }

  function save() {
    state.at = Date.now();
    try { localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function forget() {
    try { localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  }

  function newSender() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var out = "web-";
    for (var i = 0; i < bytes.length; i++) { out += ("0" + bytes[i].toString(16)).slice(-2); }
    return out;
  }

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  /* No-break spaces where a line must not break: inside a phone number ("116 006") and
     before French "! ? : ;". Only the display changes; the stored text stays as sent. */
  function typeset(text) {
    return text.replace(/([0-9]) (?=[0-9])/g, "$1\u00a0").replace(/ (?=[!?:;»])/g, "\u00a0");
  }

  /* Set text, each number in <bdi dir="ltr">: in a right-to-left bubble the bidirectional
     algorithm would move a phone number's "+" to its end or swap its groups. */
  function setText(element, text) {
    element.textContent = "";
    var last = 0;
    text.replace(NUMBER, function (number, at) {
      element.appendChild(document.createTextNode(text.slice(last, at)));
      var bdi = document.createElement("bdi");
      bdi.dir = "ltr";
      bdi.textContent = number;
      element.appendChild(bdi);
      last = at + number.length;
      return number;
    });
    element.appendChild(document.createTextNode(text.slice(last)));
  }

  /* The page in the conversation's language: lang and dir, and the chat's own labels. A
     language the page has no labels for keeps the ones shown. */
  function showLanguage() {
    var code = state.lang;
    var own = code && labels[code];
    if (!own || document.documentElement.lang === code) { return; }
    document.documentElement.lang = code;
    document.documentElement.dir = own.dir === "rtl" ? "rtl" : "ltr";
    ["bot", "human", "not-sent", "retrying", "typing", "label", "placeholder", "send", "attach",
      "too-big", "wrong-type", "file-failed"]
      .forEach(function (name) { if (own[name]) { root.setAttribute("data-" + name, own[name]); } });
    if (own.title) { document.title = own.title; }
    if (own.name) { header.querySelector("h1").textContent = own.name; }
    var back = header.querySelector(".back");
    if (back && own.back) { back.setAttribute("aria-label", own.back); }
    if (own.log) { log.setAttribute("aria-label", own.log); }
    if (input) {
      input.placeholder = root.getAttribute("data-placeholder");
  input.dir = "auto";
      label.textContent = root.getAttribute("data-label");
      sendButton.textContent = root.getAttribute("data-send");
      attachButton.setAttribute("aria-label", root.getAttribute("data-attach"));
      attachButton.title = root.getAttribute("data-attach");
    }
    showWho();
  }

  /* One bubble per paragraph; returns the last one (where a question ends). */
  function addLine(side, text) {
    var parts = side === "me" ? [text] : text.split(PARAGRAPH);
    var item = null;
    parts.forEach(function (part) {
      part = part.trim();
      if (!part && item) { return; }
      item = document.createElement("li");
      item.className = side;
      setText(item, side === "me" ? part : typeset(part));
      log.insertBefore(item, typing && typing.parentNode === log ? typing : null);
    });
    scrollToEnd();
    return item;
  }

  /* The input fits the question of the form being asked (state.field): the right keyboard and
     autofill; after an answer the bot could not read, it is marked in error, described by the
     question asked again, and gets the focus. */
  function showField() {
    if (!input) { return; }
    var hint = hints[state.field] || {};
    input.type = hint.type || "text";
    input.setAttribute("inputmode", hint.inputmode || "text");
    input.setAttribute("autocomplete", hint.autocomplete || "off");
    var old = document.getElementById("field-error");
    if (old) { old.removeAttribute("id"); old.classList.remove("invalid"); }
    var questions = log.querySelectorAll("li.bot");
    var question = questions.length ? questions[questions.length - 1] : null;
    if (state.invalid && question) {
      question.id = "field-error";
      question.classList.add("invalid");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "field-error");
      input.focus();
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  }

  /* The header tells who writes: a person of the team while one holds the conversation (the
     server says so), else the bot; a page saved before it said so goes by the last line. */
  function showWho() {
    var last = "bot";
    state.lines.forEach(function (line) { if (line.side !== "me") { last = line.side; } });
    var human = typeof state.held === "boolean" ? state.held : last === "human";
    header.className = human ? "chat-header human" : "chat-header";
    who.textContent = root.getAttribute(human ? "data-human" : "data-bot");
  }

  function showButtons(list) {
    buttons.textContent = "";
    list.forEach(function (button) {
      var element;
      if (LINK.test(button.payload)) {
        element = document.createElement("a");
        element.className = "link";
        element.href = button.payload;
      } else {
        element = document.createElement("button");
        element.type = "button";
        /* Keep the focus in the input: the tap must not close the keyboard. */
        element.addEventListener("mousedown", function (event) { event.preventDefault(); });
        element.addEventListener("click", function () {
          enqueue(button.payload, button.title);
          input.focus();
        });
      }
      /* One span: the button is a flex box, which would drop the space before a number. */
      var title = document.createElement("span");
      setText(title, button.title);
      element.appendChild(title);
      buttons.appendChild(element);
    });
    scrollToEnd();
  }

  function render() {
    log.textContent = "";
    state.lines.forEach(function (line) {
      var item = addLine(line.side, line.text);
      if (line.file && item) { item.classList.add("file"); }
    });
    showButtons(state.buttons);
    showWho();
    showField();
    showLanguage();
  }

  function setTyping(on) {
    if (on && !typing) {
      typing = document.createElement("li");
      typing.className = "typing";
      typing.setAttribute("role", "status");
      var label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = root.getAttribute("data-typing");
      typing.appendChild(label);
      for (var i = 0; i < 3; i++) {
        var dot = document.createElement("span");
        dot.className = "dot";
        dot.setAttribute("aria-hidden", "true");
        typing.appendChild(dot);
      }
      log.appendChild(typing);
      scrollToEnd();
    } else if (!on && typing) {
      typing.remove();
      typing = null;
    }
  }

  /* One message waits here until the server has answered it; nothing typed is ever dropped. */
  function enqueue(message, shown) {
    if (shown) { state.lines.push({ side: "me", text: shown }); addLine("me", shown); }
    state.buttons = [];
    showButtons([]);
    if (state.invalid) { state.invalid = false; showField(); }
    state.queue.push(message);
    save();
    flush();
  }

  function erased() {
    /* Everything about this young person is gone from the server: the screen and the
       browser forget it too. The next message starts a new conversation with a new token. */
    forget();
    state = fresh();
    log.textContent = "";
  }

  function answered(replies) {
    var wiped = replies.some(function (reply) { return reply.custom && reply.custom.erased; });
    if (wiped) { erased(); }
    if (replies.some(function (reply) { return reply.custom && reply.custom.held; })) {
      state.held = true;
    }
    var field = "";
    var invalid = false;
    replies.forEach(function (reply) {
      if (typeof reply.text === "string" && reply.text) {
        addLine("bot", reply.text);
        if (!wiped) { state.lines.push({ side: "bot", text: reply.text }); }
      }
      if (reply.buttons && reply.buttons.length) { state.buttons = reply.buttons; }
      var custom = reply.custom || {};
      if (typeof custom.field === "string") { field = custom.field; invalid = !!custom.invalid; }
      if (typeof custom.language === "string") { state.lang = custom.language; }
    });
    state.field = field;
    state.invalid = invalid;
    if (!wiped) { save(); }
    showButtons(state.buttons);
    showWho();
    showField();
    showLanguage();
  }

  /* A chosen file waits behind the messages already waiting, in this page's memory. */
  function attach(file) {
    if (!file) { return; }
    if (maxBytes && file.size > maxBytes) {
      addLine("error", root.getAttribute("data-too-big"));
      return;
    }
    var shown = file.name || "";
    state.lines.push({ side: "me", text: shown, file: true });
    addLine("me", shown).classList.add("file");
    state.buttons = [];
    showButtons([]);
    save();
    files.push(file);
    flush();
  }

  /* Why the server refused a file, in the bot's words (413: too big, 415: not a photo, a
     voice note or a PDF); a message it refused is simply "not sent". */
  function refusal(status, upload) {
    if (!upload) { return root.getAttribute("data-not-sent"); }
    if (status === 413) { return root.getAttribute("data-too-big"); }
    if (status === 415) { return root.getAttribute("data-wrong-type"); }
    return root.getAttribute("data-file-failed");
  }

  function done() {
    if (upload) { files.shift(); } else { state.queue.shift(); }
    state.sent += 1;
  }

  var upload = null;

  function flush() {
    if (busy || (!state.queue.length && !files.length)) { return; }
    busy = true;
    setTyping(true);
    var sender = state.sender;
    /* The message's number in this conversation: if an answer is lost on the way back and the
       message goes again, the server recognises it, keeps it once and repeats its answer. */
    var id = "web-" + (state.sent + 1);
    var request;
    upload = state.queue.length ? null : files[0];
    if (upload) {
      var body = new FormData();
      body.append("file", upload, upload.name || "file");
      request = fetch(mediaPath + "?sender=" + encodeURIComponent(sender) +
        "&message_id=" + encodeURIComponent(id), { method: "POST", body: body });
    } else {
      var metadata = { message_id: id };
      /* The first message carries the language the page was read in (picked on the landing
         page, or the phone's): the bot greets in it and goes on in it. */
      if (state.sent === 0 && pageLang) { metadata.language = pageLang; }
      request = fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, message: state.queue[0], metadata: metadata })
      });
    }
    request.then(function (response) {
      if (response.status >= 400 && response.status < 500) {
        /* The server will never take this one (too long, malformed, a file refused): say
           so, go on. */
        var reason = refusal(response.status, upload);
        done();
        save();
        addLine("error", reason);
        return true;
      }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json().then(function (replies) {
        done();
        if (retryNotice) { retryNotice.remove(); retryNotice = null; }
        answered(replies instanceof Array ? replies : []);
        return true;
      });
    }).catch(function () {
      /* No network or a server hiccup: the message stays first in the queue (and in the
         browser's storage) and goes again in a moment, or as soon as the phone is online. */
      if (!retryNotice) { retryNotice = addLine("error", root.getAttribute("data-retrying")); }
      window.clearTimeout(retryTimer);
      retryTimer = window.setTimeout(flush, RETRY_AFTER);
      return false;
    }).then(function (done) {
      busy = false;
      setTyping(false);
      if (done) { flush(); }
    });
  }

  /* A counsellor who takes over the conversation writes from the back office; the web chat
     has no push, so it asks for their messages while the page is visible. */
  function poll() {
    if (!pollPath || document.hidden || !state.lines.length) { return; }
    var url = pollPath + "?sender=" + encodeURIComponent(state.sender) +
      "&after=" + encodeURIComponent(state.after || 0);
    var sender = state.sender;
    var held = null;
    fetch(url).then(function (response) {
      if (response.status === 404) { pollPath = null; return []; }
      var holds = response.headers.get("X-Counsellor-Holds");
      if (holds === "yes" || holds === "no") { held = holds === "yes"; }
      return response.ok ? response.json() : [];
    }).then(function (messages) {
      if (sender !== state.sender || !(messages instanceof Array)) { return; }
      messages.forEach(function (message) {
        var side = message.from === "bot" ? "bot" : "human";
        state.after = Math.max(state.after || 0, message.id);
        state.lines.push({ side: side, text: message.text });
        addLine(side, message.text);
      });
      var changed = held !== null && held !== state.held;
      if (held !== null) { state.held = held; }
      if (messages.length || changed) { save(); showWho(); }
    }).catch(function () { /* offline for a moment: try again later */ });
  }

  form.innerHTML = "";
  form.appendChild(buttons);
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
  input.dir = "auto";
  var sendButton = document.createElement("button");
  sendButton.type = "submit";
  sendButton.className = "send";
  sendButton.textContent = root.getAttribute("data-send");
  sendButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
  /* The attach button opens the phone's picker (camera, recorder, files) through a file input
     that is never shown: the button carries the label, the input only the choice. */
  var picker = document.createElement("input");
  picker.type = "file";
  picker.accept = root.getAttribute("data-accept") || "";
  picker.hidden = true;
  picker.tabIndex = -1;
  picker.id = "attach-file";
  picker.addEventListener("change", function () {
    var file = picker.files && picker.files[0];
    picker.value = "";
    attach(file);
  });
  var attachButton = document.createElement("button");
  attachButton.type = "button";
  attachButton.className = "attach";
  attachButton.setAttribute("aria-label", root.getAttribute("data-attach"));
  attachButton.title = root.getAttribute("data-attach");
  attachButton.addEventListener("click", function () { picker.click(); });
  row.appendChild(label);
  row.appendChild(input);
  if (mediaPath) { row.appendChild(picker); row.appendChild(attachButton); }
  row.appendChild(sendButton);
  form.appendChild(row);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    input.focus();
    if (!text) { return; }
    input.value = "";
    enqueue(text, text);
  });

  window.setInterval(poll, POLL_EVERY);
  document.addEventListener("visibilitychange", poll);
  window.addEventListener("online", flush);

  if (state) {
    render();
    poll();
    flush();
  } else {
    state = fresh();
    render();
    enqueue(startCode ? "/start " + startCode : "/start", null);
  }
  input.focus();
})();
