/* Outreach Bot back office: live queue and transcript over server-sent events, and the SMS
   length counter. The pages work without it; this only saves reloads. No dependencies. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main) { return; }
  var banner = document.getElementById("live-banner");

  function say(html) {
    if (!banner) { return; }
    banner.innerHTML = html;
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
        say((card.dataset.urgent === "true" ? "Contact urgent : " : "Nouveau contact : ") +
            "<a href=\"#" + card.id + "\">" + (name ? name.innerHTML : "voir") + "</a>");
      }
    });
  }

  /* --- Lead page: append new transcript lines --- */
  function lastMessageId() {
    var items = document.querySelectorAll("#transcript [data-id]");
    return items.length ? items[items.length - 1].dataset.id : "0";
  }

  function refreshTranscript(leadId) {
    var list = document.getElementById("transcript");
    if (!list) { return; }
    fetchHtml("/admin/leads/" + leadId + "/messages?after=" + lastMessageId()).then(function (html) {
      if (!html || !html.trim()) { return; }
      list.appendChild(toNode(html));
      list.scrollTop = list.scrollHeight;
    });
  }

  function listen() {
    if (!window.EventSource) { return; }
    var kind = main.dataset.live;
    if (kind !== "queue" && kind !== "lead") { return; }
    var source = new EventSource("/admin/events");
    source.addEventListener("open", function () { main.dataset.liveReady = "true"; });
    function on(name, handler) {
      source.addEventListener(name, function (event) { handler(JSON.parse(event.data)); });
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
  smsCounter();
  guardForms();
})();
