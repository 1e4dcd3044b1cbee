// 企情在线 — the visit form on a phone with poor signal (离线走访).
// A visit is first kept on the phone (IndexedDB, under an id made here), then sent to
// /visits/sync/ whenever there is a network. The server accepts each id once, so sending again
// after a lost answer, a double tap or a second tab never makes a second visit. A visit the
// server refuses stays here with its reasons until the cadre fixes it or discards it.
// Photos are resized here (long side ≤ 1600 px, JPEG) before they are kept: drawing them on a
// canvas also drops their EXIF (and with it any location in it).
// No inline scripts (CSP): settings come from data-* attributes and a json_script block.
(function () {
  "use strict";

  var root = document.querySelector("[data-offline-root]");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("qq-offline-strings").textContent);
  var USER = root.getAttribute("data-user");
  var SYNC_URL = root.getAttribute("data-sync-url");
  var TOKEN_URL = root.getAttribute("data-token-url");
  var MAX_PHOTOS = parseInt(root.getAttribute("data-max-photos"), 10) || 6;
  var SIDE = parseInt(root.getAttribute("data-photo-side"), 10) || 1600;
  var DB_NAME = "qiqing-visits";
  var STORE = "outbox";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: root.getAttribute("data-sw-scope") })
      .catch(function () { /* no offline copy: the form still works online */ });
  }

  // --- IndexedDB ---------------------------------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open(DB_NAME, 1);
        open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: "id" }); };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }
  function withStore(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function allRecords() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (rows) {
      return (rows || []).filter(function (r) { return r.user === USER; })
        .sort(function (a, b) { return a.created - b.created; });
    });
  }
  function getRecord(id) { return withStore("readonly", function (store) { return store.get(id); }); }
  function putRecord(record) { return withStore("readwrite", function (store) { store.put(record); }); }
  function deleteRecord(id) { return withStore("readwrite", function (store) { store.delete(id); }); }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // --- the outbox panel (待同步) -------------------------------------------------------------
  var panel = document.querySelector("[data-outbox]");
  var form = document.querySelector("form[data-offline-form]");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function badgeFor(record) {
    var kinds = {
      pending: ["text-bg-warning", T.pending],
      sending: ["text-bg-info", T.sending],
      refused: ["text-bg-danger", T.refused],
      conflict: ["text-bg-danger", T.conflict],
      login: ["text-bg-secondary", T.login]
    };
    var kind = kinds[record.status] || kinds.pending;
    var badge = el("span", "badge " + kind[0], kind[1]);
    badge.setAttribute("data-status", record.status);
    return badge;
  }

  function render() {
    if (!panel) { return Promise.resolve(); }
    return allRecords().then(function (records) {
      var list = panel.querySelector("[data-outbox-list]");
      list.innerHTML = "";
      panel.hidden = records.length === 0 && !panel.querySelector("[data-outbox-note]").textContent;
      panel.querySelector("[data-outbox-count]").textContent = String(records.length);
      records.forEach(function (record) {
        var item = el("div", "qq-outbox-item py-2");
        item.setAttribute("data-outbox-item", record.id);
        var head = el("div", "d-flex flex-wrap justify-content-between gap-2");
        head.appendChild(el("span", "fw-semibold", record.label || T.unnamed));
        head.appendChild(badgeFor(record));
        item.appendChild(head);
        var meta = el("div", "small text-body-secondary", record.date + " · " +
          T.photos.replace("%(n)s", String(record.photos.length)) + (record.position ? " · " + T.checked_in : ""));
        item.appendChild(meta);
        (record.errors || []).forEach(function (message) {
          item.appendChild(el("div", "small text-danger", message));
        });
        var actions = el("div", "d-flex flex-wrap gap-2 mt-1");
        if (record.status === "refused" && record.code === "duplicate") {
          actions.appendChild(button(T.confirm, "btn-warning", function () { confirmDuplicate(record.id); }));
        }
        if (record.status === "refused" || record.status === "conflict") {
          if (form) {
            actions.appendChild(button(T.fix, "btn-outline-primary", function () { loadIntoForm(record.id); }));
          } else {
            var link = el("a", "btn btn-sm btn-outline-primary", T.fix);
            link.href = root.getAttribute("data-form-url") + "?draft=" + encodeURIComponent(record.id);
            actions.appendChild(link);
          }
        } else {
          actions.appendChild(button(T.send_now, "btn-outline-primary", function () { syncAll(); }));
        }
        actions.appendChild(button(T.discard, "btn-outline-danger", function () {
          if (window.confirm(T.discard_confirm)) { deleteRecord(record.id).then(render); }
        }));
        item.appendChild(actions);
        list.appendChild(item);
      });
    });
  }

  function button(text, kind, onClick) {
    var b = el("button", "btn btn-sm " + kind, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function note(text, kind) {
    if (!panel) { return; }
    var box = panel.querySelector("[data-outbox-note]");
    box.textContent = text || "";
    box.className = "alert py-2 small mb-2 " + (kind || "alert-info");
    box.hidden = !text;
    panel.hidden = false;
  }

  // --- sending ------------------------------------------------------------------------------
  var syncing = false;
  var navigateTo = null;  // the cadre is waiting for this visit: open its enterprise file when it is in

  function freshToken() {
    return fetch(TOKEN_URL, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.redirected || !json) { throw new Error("login"); }
        return response.json();
      })
      .then(function (body) {
        if (body.user !== USER) { throw new Error("login"); }
        return body.token;
      });
  }

  function payload(record) {
    var data = new FormData();
    record.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.append("client_id", record.id);
    if (record.offline) { data.append("offline", "1"); }
    if (record.confirm) { data.append("confirm_duplicate", "1"); }
    if (record.foreground) { data.append("foreground", "1"); }
    record.photos.forEach(function (blob, index) {
      data.append("photos", new File([blob], "photo-" + (index + 1) + ".jpg", { type: "image/jpeg" }));
    });
    return data;
  }

  function sendOne(record, token) {
    return fetch(SYNC_URL, {
      method: "POST",
      body: payload(record),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) {
        if (response.redirected || response.status === 403) { record.status = "login"; return putRecord(record).then(function () { return null; }); }
        throw new Error("server " + response.status);  // 5xx: try again later
      }
      return response.json().then(function (body) {
        if (body.status === "accepted") {
          if (record.foreground) { navigateTo = body.file_url; }
          return deleteRecord(record.id).then(function () { return body; });
        }
        record.status = body.status === "conflict" ? "conflict" : "refused";
        record.code = body.code || "";
        record.errors = body.errors || (body.message ? [body.message] : []);
        return putRecord(record).then(function () { return null; });
      });
    });
  }

  function syncAll() {
    if (syncing || !navigator.onLine) { return Promise.resolve([]); }
    syncing = true;
    var accepted = [];
    return allRecords().then(function (records) {
      var waiting = records.filter(function (r) { return r.status === "pending" || r.status === "login" || r.status === "sending"; });
      if (!waiting.length) { return accepted; }
      return freshToken().then(function (token) {
        return waiting.reduce(function (chain, record) {
          return chain.then(function () {
            return sendOne(record, token).then(function (body) { if (body) { accepted.push(body); } });
          });
        }, Promise.resolve());
      }).then(function () { return accepted; }, function (error) {
        if (error && error.message === "login") { note(T.need_login, "alert-warning"); }
        return accepted;
      });
    }).then(function (done) {
      syncing = false;
      if (navigateTo) {
        window.location.assign(navigateTo);
        return done;
      }
      if (done.length) {
        note(T.synced.replace("%(n)s", String(done.length)), "alert-success");
      }
      return render().then(function () { return done; });
    }, function () {
      syncing = false;
      return render().then(function () { return accepted; });
    });
  }

  function confirmDuplicate(id) {
    getRecord(id).then(function (record) {
      record.confirm = true;
      record.foreground = navigator.onLine;
      record.status = "pending";
      record.errors = [];
      return putRecord(record);
    }).then(syncAll);
  }

  window.addEventListener("online", function () { syncAll(); });

  // --- the form: photos, check-in, keep then send --------------------------------------------
  var photos = [];  // Blobs (already resized) of the visit being written
  var editing = null;

  function resize(file) {
    var decode = window.createImageBitmap
      ? createImageBitmap(file, { imageOrientation: "from-image" })
      : new Promise(function (resolve, reject) {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = reject;
        img.src = URL.createObjectURL(file);
      });
    return decode.then(function (image) {
      var scale = Math.min(1, SIDE / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(image.width * scale));
      canvas.height = Math.max(1, Math.round(image.height * scale));
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.85); });
    });
  }

  function previewUrl(blob) {
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.readAsDataURL(blob);
    });
  }

  function renderPhotos() {
    var box = form.querySelector("[data-photo-previews]");
    box.innerHTML = "";
    photos.forEach(function (blob, index) {
      var wrap = el("span", "position-relative d-inline-block");
      wrap.setAttribute("data-photo-preview", "");
      var img = el("img", "rounded border");
      img.alt = T.photo_alt.replace("%(n)s", String(index + 1));
      previewUrl(blob).then(function (url) { img.src = url; });
      wrap.appendChild(img);
      var remove = el("button", "btn btn-sm btn-light position-absolute top-0 end-0 py-0 px-1", "×");
      remove.type = "button";
      remove.setAttribute("aria-label", T.remove_photo);
      remove.addEventListener("click", function () { photos.splice(index, 1); renderPhotos(); });
      wrap.appendChild(remove);
      box.appendChild(wrap);
    });
    var count = form.querySelector("[data-photo-count]");
    if (count) { count.textContent = T.photo_count.replace("%(n)s", String(photos.length)).replace("%(max)s", String(MAX_PHOTOS)); }
  }

  function photoMessage(text) {
    var box = form.querySelector("[data-photo-error]");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function onPhotos(input) {
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";
    photoMessage("");
    var room = MAX_PHOTOS - photos.length;
    if (files.length > room) {
      photoMessage(T.too_many.replace("%(max)s", String(MAX_PHOTOS)));
      files = files.slice(0, Math.max(0, room));
    }
    return files.reduce(function (chain, file) {
      return chain.then(function () {
        if (!/^image\//.test(file.type)) {
          photoMessage(T.not_image.replace("%(name)s", file.name));
          return null;
        }
        return resize(file).then(function (blob) { photos.push(blob); }, function () {
          photoMessage(T.not_image.replace("%(name)s", file.name));
        });
      });
    }, Promise.resolve()).then(renderPhotos);
  }

  function position() {
    var toggle = form.querySelector("[data-checkin-toggle]");
    if (!toggle || !toggle.checked || !navigator.geolocation) { return Promise.resolve(null); }
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (pos) {
        resolve({ latitude: pos.coords.latitude, longitude: pos.coords.longitude, accuracy: pos.coords.accuracy });
      }, function () { resolve(null); }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }

  function collect(pos) {
    var fields = [];
    var skip = { csrfmiddlewaretoken: 1, photos: 1, client_id: 1, offline: 1, confirm_duplicate: 1,
      checkin_latitude: 1, checkin_longitude: 1, checkin_accuracy: 1 };
    new FormData(form).forEach(function (value, name) {
      if (!skip[name] && typeof value === "string") { fields.push([name, value]); }
    });
    if (pos) {
      fields.push(["checkin_latitude", pos.latitude.toFixed(6)]);
      fields.push(["checkin_longitude", pos.longitude.toFixed(6)]);
      fields.push(["checkin_accuracy", String(Math.round(pos.accuracy))]);
    }
    return fields;
  }

  function enterpriseLabel() {
    var field = form.querySelector('[name="enterprise"]');
    if (!field) { return ""; }
    if (field.tagName === "SELECT") { return field.selectedIndex > 0 ? field.options[field.selectedIndex].text : ""; }
    return field.value;
  }

  function chips() {
    return Array.prototype.map.call(form.querySelectorAll("[data-chip]"), function (chip) {
      return { id: chip.querySelector("input").value, name: chip.firstChild.textContent };
    });
  }

  function clientCheck() {
    var problems = [];
    var enterprise = form.querySelector('[name="enterprise"]');
    if (enterprise && !enterprise.value) { problems.push(T.need_enterprise); }
    var summary = form.querySelector('[name="summary"]');
    if (summary && !summary.value.trim()) { problems.push(T.need_summary); }
    var date = form.querySelector('[name="date"]');
    if (date && !date.value) { problems.push(T.need_date); }
    if (date && date.value && date.max && date.value > date.max) { problems.push(T.future_date); }
    return problems;
  }

  function showFormErrors(messages) {
    var box = form.querySelector("[data-offline-errors]");
    box.innerHTML = "";
    messages.forEach(function (m) { box.appendChild(el("div", "", m)); });
    box.hidden = !messages.length;
    if (messages.length) { box.scrollIntoView({ block: "center" }); }
  }

  function resetForm() {
    var keepDate = form.querySelector('[name="date"]').value;
    form.reset();
    form.querySelector('[name="date"]').value = keepDate;
    form.querySelectorAll("[data-problem-rows] [data-problem-row]").forEach(function (row) { row.remove(); });
    var total = form.querySelector('input[name="problems-TOTAL_FORMS"]');
    if (total) { total.value = "0"; }
    var empty = form.querySelector("[data-problem-empty]");
    if (empty) { empty.hidden = false; }
    form.querySelectorAll("[data-chip]").forEach(function (chip) { chip.remove(); });
    photos = [];
    editing = null;
    renderPhotos();
    form.querySelector("[data-editing-note]").hidden = true;
  }

  function onSubmit(event) {
    event.preventDefault();  // the visit is kept here first, then sent by syncAll()
    var submit = form.querySelector("[data-submit]");
    if (form.getAttribute("data-keeping")) { return; }
    var problems = clientCheck();
    showFormErrors(problems);
    if (problems.length) { form.removeAttribute("data-submitting"); return; }
    form.setAttribute("data-keeping", "1");
    if (submit) { submit.disabled = true; }
    var online = navigator.onLine;
    position().then(function (pos) {
      var record = {
        id: editing || newId(),
        user: USER,
        fields: collect(pos),
        chips: chips(),
        photos: photos.slice(),
        position: pos,
        label: enterpriseLabel(),
        date: form.querySelector('[name="date"]').value,
        created: Date.now(),
        status: "pending",
        offline: !online,
        foreground: online,
        errors: []
      };
      return putRecord(record).then(function () { return record; });
    }).then(function (record) {
      resetForm();
      note(online ? T.sending_now : T.kept_offline, online ? "alert-info" : "alert-warning");
      if (panel) { panel.scrollIntoView({ block: "start" }); }
      return render().then(function () { return syncAll(); }).then(function () {
        if (navigateTo) { return null; }
        return getRecord(record.id).then(function (left) {
          if (left && left.status === "pending") {
            // Sent while offline, or the network dropped on the way: it stays here.
            left.offline = true;
            left.foreground = false;
            return putRecord(left).then(function () { note(T.kept_offline, "alert-warning"); return render(); });
          }
          if (left) { note(T.refused_note, "alert-danger"); }
        });
      });
    }).catch(function () {
      note(T.storage_failed, "alert-danger");
    }).then(function () {
      form.removeAttribute("data-keeping");
      form.removeAttribute("data-submitting");
      if (submit) { submit.disabled = false; }
    });
  }

  function setField(name, value) {
    var fields = form.querySelectorAll('[name="' + name + '"]');
    fields.forEach(function (field) {
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = field.value === value;
      } else {
        field.value = value;
      }
    });
  }

  function loadIntoForm(id) {
    getRecord(id).then(function (record) {
      if (!record) { return; }
      resetForm();
      var total = 0;
      record.fields.forEach(function (pair) {
        if (pair[0] === "problems-TOTAL_FORMS") { total = parseInt(pair[1], 10) || 0; }
      });
      var add = form.querySelector("[data-add-problem]");
      for (var i = 0; i < total && add; i++) { add.click(); }
      record.fields.forEach(function (pair) {
        if (pair[0] !== "participants" && pair[0].indexOf("checkin_") !== 0) { setField(pair[0], pair[1]); }
      });
      var picker = form.querySelector("[data-chips]");
      (record.chips || []).forEach(function (chip) {
        var span = el("span", "badge rounded-pill text-bg-secondary d-inline-flex align-items-center py-2", chip.name);
        span.setAttribute("data-chip", "");
        var hidden = el("input");
        hidden.type = "hidden";
        hidden.name = "participants";
        hidden.value = chip.id;
        span.appendChild(hidden);
        var remove = el("button", "btn-close btn-close-white ms-2");
        remove.type = "button";
        remove.setAttribute("data-remove-chip", "");
        span.appendChild(remove);
        if (picker) { picker.appendChild(span); }
      });
      photos = record.photos.slice();
      editing = record.id;
      renderPhotos();
      var noteBox = form.querySelector("[data-editing-note]");
      noteBox.hidden = false;
      showFormErrors(record.errors || []);
      form.scrollIntoView({ block: "start" });
    });
  }

  if (form) {
    form.addEventListener("submit", onSubmit);
    var input = form.querySelector("[data-photo-input]");
    if (input) { input.addEventListener("change", function () { onPhotos(input); }); }
    renderPhotos();
    var params = new URLSearchParams(window.location.search);
    var select = form.querySelector('select[name="enterprise"]');
    // The offline copy of this page is the plain one: the card's ?enterprise=… is applied here.
    if (select && params.get("enterprise") && !select.value) {
      if (select.querySelector('option[value="' + params.get("enterprise").replace(/\D/g, "") + '"]')) {
        select.value = params.get("enterprise");
      }
    }
    if (params.get("draft")) { loadIntoForm(params.get("draft")); }
  }

  render().then(function () { if (navigator.onLine) { syncAll(); } });
})();
