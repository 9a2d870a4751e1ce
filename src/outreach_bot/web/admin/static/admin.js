/* Outreach Bot back office: live queue and transcript over server-sent events, and the SMS
   length counter. The pages work without it; this only saves reloads. No dependencies. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main) { return; }
  var banner = document.getElementById("live-banner");

  function say(html, urgent) {
    if (!banner) { return; }
    banner.innerHTML = html;
    banner.classList.toggle("banner-urgent", Boolean(urgent));
    banner.hidden = false;
  }

  function fetchHtml(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; });
  }

  function toNode(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content;
  }

  /* --- Queue page: insert or refresh a lead's card, and keep the counts right --- */
  function bump(codes) {
    codes.forEach(function (code) {
      var count = document.querySelector("[data-count=\"" + code + "\"] b");
      if (count) { count.textContent = String(Number(count.textContent) + 1); }
    });
  }

  function refreshCard(leadId, isNew) {
    var list = document.getElementById("queue");
    if (!list) { return; }
    var existing = document.getElementById("lead-" + leadId);
    if (!existing && (!isNew || main.dataset.acceptsNew !== "true")) { return; }
    fetchHtml("/admin/leads/" + leadId + "/card").then(function (html) {
      if (!html) { return; }
      var fragment = toNode(html);
      var card = fragment.firstElementChild;
      if (!card) { return; }
      var sector = main.dataset.sector;
      if (sector && card.dataset.sector !== sector) { return; }
      card.classList.add("fresh");
      var current = document.getElementById("lead-" + leadId);
      if (current) {
        current.replaceWith(card);
      } else if (card.dataset.urgent === "true") {
        list.insertBefore(card, list.firstElementChild);
      } else if (main.dataset.order === "oldest") {
        list.appendChild(card);  /* oldest first: the newest goes last */
      } else {
        /* newest first: right after the urgent ones */
        list.insertBefore(card, list.querySelector(".card:not([data-urgent=true])"));
      }
      if (!current) { bump(["all", "open", card.dataset.status]); }
      var empty = document.getElementById("queue-empty");
      if (empty) { empty.hidden = true; }
      if (isNew) {
        var name = card.querySelector(".name a");
        var urgent = card.dataset.urgent === "true";
        say((urgent ? "Contact urgent : " : "Nouveau contact : ") +
            "<a href=\"/admin/leads/" + leadId + "\">" + (name ? name.innerHTML : "voir") + "</a>",
            urgent);
      }
    });
  }

  /* --- Lead page: append new transcript lines --- */
  function lastMessageId() {
    var items = document.querySelectorAll("#transcript [data-id]");
    return items.length ? items[items.length - 1].dataset.id : "0";
  }

  /* One fetch at a time: two events close together (the young person's words and the status
     they change, or the stream reopening) would otherwise both ask for the lines after the
     same id and show them twice. A refresh asked meanwhile runs once the first is done. */
  var transcriptBusy = false, transcriptAgain = false;

  function refreshTranscript(leadId) {
    var list = document.getElementById("transcript");
    if (!list) { return; }
    if (transcriptBusy) { transcriptAgain = true; return; }
    transcriptBusy = true;
    fetchHtml("/admin/leads/" + leadId + "/messages?after=" + lastMessageId()).then(function (html) {
      if (!html || !html.trim()) { return; }
      var lines = toNode(html);
      lines.querySelectorAll("[data-id]").forEach(function (line) {
        if (document.getElementById(line.id)) { line.remove(); }  /* already shown */
      });
      list.appendChild(lines);
      list.scrollTop = list.scrollHeight;
    }).catch(function () { /* the next event or a reload shows what was missed */ })
      .then(function () {
        transcriptBusy = false;
        if (transcriptAgain) {
          transcriptAgain = false;
          refreshTranscript(leadId);
        }
      });
  }

  /* --- Urgent alerts, on every page: red banner, count in the tab title, sound, notification --- */
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var store = window.localStorage || { getItem: function () { return null; }, setItem: function () {} };

  function setTitle(count) {
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
  }

  var audio = null;
  function beep() {
    if (store.getItem("alerts-sound") !== "on") { return; }
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    audio = audio || new Context();
    if (audio.state === "suspended") { audio.resume(); }
    [0, 0.25, 0.5].forEach(function (start) {
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.2;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start(audio.currentTime + start);
      tone.stop(audio.currentTime + start + 0.15);
    });
    document.body.dataset.alertSounds = String(Number(document.body.dataset.alertSounds || 0) + 1);
  }

  function notify(leadId, what) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    /* What happened, never a name or words: a notification can show on a locked screen. */
    var note = new Notification("Contact urgent", { body: what, tag: "lead-" + leadId });
    note.onclick = function () { window.focus(); window.location.href = "/admin/leads/" + leadId; };
  }

  function refreshAlerts(leadId, fresh) {
    fetchHtml("/admin/alerts").then(function (html) {
      var current = document.getElementById("urgent-alerts");
      if (html === null || !current) { return; }
      var node = toNode(html).firstElementChild;
      if (!node) { return; }
      current.replaceWith(node);
      setTitle(Number(node.dataset.count));
      var link = leadId ? node.querySelector("a[data-lead=\"" + leadId + "\"]") : null;
      if (fresh && link) {
        beep();
        notify(leadId, link.dataset.urgency);
      }
    });
  }

  function alertControls() {
    var setup = document.getElementById("alert-setup");
    if (setup && "Notification" in window && Notification.permission === "default" &&
        !store.getItem("alerts-asked")) {
      setup.hidden = false;
      document.getElementById("notify-yes").addEventListener("click", function () {
        store.setItem("alerts-asked", "1");
        setup.hidden = true;
        Notification.requestPermission();
      });
      document.getElementById("notify-no").addEventListener("click", function () {
        store.setItem("alerts-asked", "1");
        setup.hidden = true;
      });
    }
    var toggle = document.getElementById("sound-toggle");
    if (!toggle) { return; }
    function show() {
      var on = store.getItem("alerts-sound") === "on";
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      toggle.textContent = "Son des urgences : " + (on ? "activé" : "désactivé");
    }
    toggle.parentElement.hidden = false;
    toggle.addEventListener("click", function () {
      store.setItem("alerts-sound", store.getItem("alerts-sound") === "on" ? "off" : "on");
      show();
      if (store.getItem("alerts-sound") === "on") {
        var Context = window.AudioContext || window.webkitAudioContext;
        if (Context) { audio = audio || new Context(); audio.resume(); }
      }
    });
    show();
  }

  function listen() {
    if (!window.EventSource) { return; }
    var kind = main.dataset.live;
    var alerts = document.body.dataset.alerts === "on";
    if (kind !== "queue" && kind !== "lead" && !alerts) { return; }
    var source = new EventSource("/admin/events");
    source.addEventListener("open", function () {
      main.dataset.liveReady = "true";
      /* An answer that came while the page loaded (right after "Envoyer") had no feed yet. */
      if (kind === "lead") { refreshTranscript(main.dataset.lead); }
    });
    function on(name, handler) {
      source.addEventListener(name, function (event) { handler(JSON.parse(event.data)); });
    }
    if (alerts) {
      on("urgent", function (data) { refreshAlerts(String(data.lead_id), true); });
      on("lead_changed", function (data) { if (data.urgent) { refreshAlerts(null, false); } });
    }
    if (kind === "queue") {
      on("lead_created", function (data) { refreshCard(data.lead_id, true); });
      on("urgent", function (data) { refreshCard(data.lead_id, true); });
      on("lead_changed", function (data) { refreshCard(data.lead_id, false); });
    } else {
      var leadId = main.dataset.lead;
      on("message", function (data) {
        if (String(data.lead_id) === leadId) { refreshTranscript(leadId); }
      });
      on("lead_changed", function (data) {
        if (String(data.lead_id) === leadId) {
          say("Ce contact vient d'être modifié. <a href=\"\">Recharger la page</a>");
        }
      });
    }
  }

  /* --- SMS segment counter (same rules as the server: GSM 03.38) --- */
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXT = "^{}\\[~]|€\f";

  function segments(text) {
    if (!text) { return [0, "GSM-7"]; }
    var units = 0, gsm = true, i;
    for (i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      if (GSM.indexOf(c) >= 0) { units += 1; }
      else if (GSM_EXT.indexOf(c) >= 0) { units += 2; }
      else { gsm = false; break; }
    }
    if (!gsm) { units = text.length; }  /* UTF-16 code units, like the server */
    var single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
    return [units <= single ? 1 : Math.ceil(units / multi), gsm ? "GSM-7" : "UCS-2"];
  }

  function smsCounter() {
    var box = document.querySelector("textarea[data-sms]");
    var out = document.getElementById("sms-count");
    if (!box || !out) { return; }
    function update() {
      var result = segments(box.value);
      out.textContent = result[0] ? result[0] + " SMS (" + result[1] + ")" : "";
    }
    box.addEventListener("input", update);
    update();
  }

  /* --- Double submit: a form sends once; the server refuses repeats anyway --- */
  function guardForms() {
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function () {
        if (form.dataset.sent) { return; }
        form.dataset.sent = "1";
        setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });
  }

  var transcript = document.getElementById("transcript");
  if (transcript) { transcript.scrollTop = transcript.scrollHeight; }

  listen();
  alertControls();
  smsCounter();
  guardForms();
})();
