// The Soko chat emulator: one chat window on the web channel. Everything shown is built with
// textContent (never as markup), so whatever a message says is shown as text. The words the
// script shows itself come translated in the page (#labels), in the page's language, which
// every API call passes on (?lang=) so the server answers in it too.
"use strict";

(function () {
  const POLL_MS = 1000;
  const body = document.body;
  const log = document.getElementById("log");
  const picker = document.getElementById("person");
  const newPerson = document.getElementById("new-person");
  const newName = document.getElementById("new-name");
  const composer = document.getElementById("composer");
  const textBox = document.getElementById("text");
  const photoInput = document.getElementById("photo");
  const languages = document.getElementById("languages");
  const labels = JSON.parse(document.getElementById("labels").textContent);
  const lang = document.documentElement.lang;

  let person = body.dataset.person;
  let after = 0; // the newest outbox id shown
  let generation = 0; // bumped on every switch, so answers for the previous person are dropped
  let shown = new Set();
  let timer = null;

  function api(who, params = {}) {
    const query = new URLSearchParams({ ...params, lang });
    return "/emulator/api/chat/" + encodeURIComponent(who) + "?" + query;
  }

  // A label with its {name} placeholders filled in.
  function say(key, values = {}) {
    return labels[key].replace(/\{(\w+)\}/g, (whole, name) =>
      name in values ? String(values[name]) : whole
    );
  }

  function messageId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replaceAll("-", "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function dropHint() {
    const hint = log.querySelector(".hint");
    if (hint) hint.remove();
  }

  function showPerson(message) {
    dropHint();
    const bubble = element("div", "msg person");
    if (message.photos) {
      bubble.appendChild(element("div", "note", say("photos", { count: message.photos })));
    }
    if (message.text) bubble.appendChild(element("div", "text", message.text));
    log.appendChild(bubble);
    return bubble;
  }

  function showBot(message) {
    if (shown.has(message.id)) return;
    shown.add(message.id);
    after = Math.max(after, message.id);
    dropHint();
    const bubble = element("div", "msg bot");
    bubble.dataset.id = message.id;
    const src = message.image && safeUrl(message.image);
    if (src) {
      const img = element("img", "image");
      img.src = src;
      img.alt = say("photo");
      img.addEventListener("load", scrollDown);
      bubble.appendChild(img);
    }
    if (message.text) bubble.appendChild(element("div", "text", message.text));
    if (message.choices.length) {
      const row = element("div", "choices");
      for (const choice of message.choices) {
        const button = element("button", "choice", choice.label);
        button.type = "button";
        button.addEventListener("click", () => send({ payload: choice.payload, label: choice.label }));
        row.appendChild(button);
      }
      bubble.appendChild(row);
    }
    for (const link of message.links) {
      const href = safeUrl(link.url);
      if (!href) continue;
      const a = element("a", "link", link.label);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      bubble.appendChild(a);
    }
    if (message.request_contact) {
      bubble.appendChild(element("div", "note", say("shareContact")));
    }
    log.appendChild(bubble);
  }

  function showPeople(people) {
    const current = picker.value;
    for (const p of people) {
      let option = Array.from(picker.options).find((o) => o.value === p.key);
      if (!option) {
        option = element("option");
        option.value = p.key;
        picker.insertBefore(option, picker.querySelector('option[value="' + body.dataset.new + '"]'));
      }
      const label = p.name + " (" + p.about + ")";
      option.textContent =
        p.waiting && p.key !== person ? say("waiting", { label, count: p.waiting }) : label;
    }
    picker.value = current;
  }

  async function fetchJson(url, options) {
    const response = await fetch(url, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  async function load() {
    const mine = ++generation;
    const data = await fetchJson(api(person));
    if (mine !== generation) return;
    log.replaceChildren();
    shown = new Set();
    after = 0;
    if (!data.messages.length) {
      log.appendChild(element("div", "note hint", say("hint")));
    }
    for (const message of data.messages) {
      if (message.from === "bot") showBot(message);
      else showPerson(message);
    }
    showPeople(data.people);
    scrollDown();
    body.dataset.loaded = person;
  }

  async function poll() {
    const mine = generation;
    try {
      const data = await fetchJson(api(person, { after }));
      if (mine !== generation) return;
      const before = log.childElementCount;
      data.messages.forEach(showBot);
      if (log.childElementCount !== before) scrollDown();
      showPeople(data.people);
      body.classList.remove("offline");
    } catch (e) {
      body.classList.add("offline");
    }
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      await poll();
      schedule(document.hidden ? POLL_MS * 5 : POLL_MS);
    }, ms);
  }

  async function send({ text = "", payload = "", label = "", photos = [] }) {
    const form = new FormData();
    form.append("id", messageId());
    if (text) form.append("text", text);
    if (payload) form.append("payload", payload);
    for (const photo of photos) form.append("photo", photo, photo.name);
    const bubble = showPerson({ text: text || label, photos: 0 });
    for (const photo of photos) {
      const img = element("img", "image");
      img.src = URL.createObjectURL(photo);
      img.alt = photo.name;
      bubble.insertBefore(img, bubble.firstChild);
    }
    scrollDown();
    try {
      await fetchJson(api(person), {
        method: "POST",
        body: form,
        headers: { "X-Soko-Emulator": "1" },
      });
    } catch (e) {
      bubble.appendChild(element("div", "error", say("notSent", { error: e.message })));
    }
    await poll();
    schedule(POLL_MS);
  }

  async function switchTo(who) {
    person = who;
    body.dataset.person = who;
    delete body.dataset.loaded;
    const url = new URL(window.location.href);
    url.searchParams.set("as", who);
    window.history.replaceState(null, "", url);
    for (const link of languages.querySelectorAll("a")) {
      const target = new URL(link.href);
      target.searchParams.set("as", who);
      link.href = target.href;
    }
    await load();
    schedule(POLL_MS);
  }

  picker.addEventListener("change", () => {
    if (picker.value === body.dataset.new) {
      newPerson.hidden = false;
      newName.focus();
      return;
    }
    newPerson.hidden = true;
    switchTo(picker.value);
  });

  newPerson.addEventListener("submit", (event) => {
    event.preventDefault();
    const who = newName.value.trim().toLowerCase();
    if (!who) return;
    let option = Array.from(picker.options).find((o) => o.value === who);
    if (!option) {
      option = element("option", "", who);
      option.value = who;
      picker.insertBefore(option, picker.querySelector('option[value="' + body.dataset.new + '"]'));
    }
    picker.value = who;
    newPerson.hidden = true;
    newName.value = "";
    switchTo(who);
  });

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textBox.value.trim();
    if (!text) return;
    textBox.value = "";
    send({ text });
  });

  photoInput.addEventListener("change", () => {
    const photos = Array.from(photoInput.files);
    photoInput.value = "";
    if (photos.length) send({ photos });
  });

  switchTo(person);
})();
