// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Bracket tools: wrap the selected words in [ ], or remove the pair around the selection.
  function bracketTools(tools) {
    var form = tools.closest("form");
    var box = form && form.querySelector("textarea[name=proposed_text]");
    if (!box) return;
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var button = event.target.closest("[data-bracket-action]");
      if (!button) return;
      var text = box.value, start = box.selectionStart, end = box.selectionEnd;
      if (button.dataset.bracketAction === "wrap") {
        if (start === end) return;
        box.value = text.slice(0, start) + "[" + text.slice(start, end) + "]" + text.slice(end);
        box.setSelectionRange(start, end + 2);
        var kind = form.querySelector("input[name=kind][value=add_brackets]");
        if (kind && !form.querySelector("input[name=kind][value=amend]:checked")) kind.checked = true;
      } else {
        // The innermost pair enclosing the selection.
        var open = text.lastIndexOf("[", start), close = text.indexOf("]", Math.max(end - 1, start));
        if (text.charAt(start) === "[") open = start;
        if (open < 0 || close < 0 || close < open) return;
        box.value = text.slice(0, open) + text.slice(open + 1, close) + text.slice(close + 1);
        box.setSelectionRange(open, close - 1);
        var removeKind = form.querySelector("input[name=kind][value=remove_brackets]");
        if (removeKind && !form.querySelector("input[name=kind][value=amend]:checked")) removeKind.checked = true;
      }
      box.focus();
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // One submission per form: a double click sends one request (the server is idempotent too).
  function submitOnce(form) {
    if (form.dataset.onceBound === "yes") return;
    form.dataset.onceBound = "yes";
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "yes") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "yes";
    });
  }

  // Deadlines are given in New York time; add the reader's own time beside them.
  function localTime(element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment)) return;
    var note = document.createElement("span");
    note.className = "local-time";
    // The label ("your time", translated) comes with the page: this script has no catalogue.
    var label = element.getAttribute("data-local-time");
    note.textContent = " (" + (label ? label + ": " : "") + moment.toLocaleString(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
      timeZoneName: "short"
    }) + ")";
    element.after(note);
  }

  // New language starts empty: switching to an insertion empties a box still holding the
  // current text untouched (sent unedited, it would repeat the element); switching back to a
  // change of the text puts the current text back in an empty box.
  function kindSwitch(form) {
    var box = form.querySelector("textarea[name=proposed_text]");
    var base = form.querySelector("input[name=base_text_seen]");
    if (!box || !base) return;
    form.addEventListener("change", function (event) {
      if (event.target.name !== "kind") return;
      var kind = event.target.value;
      var inserting = kind === "insert_after" || kind === "fill_placeholder";
      if (inserting && box.value.trim() === base.value.trim()) box.value = "";
      else if (!inserting && kind !== "delete" && kind !== "comment" && !box.value.trim()) box.value = base.value;
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  // "n of N characters" under a text box, counted as the server counts (characters, not
  // UTF-16 units; line breaks as one; outer spaces trimmed). The visible count changes at
  // each key; the polite live region says it once the delegate pauses.
  function characterCount(count) {
    var box = document.getElementById(count.dataset.charCount);
    var said = document.getElementById(count.id + "_said");
    if (!box) return;
    var limit = parseInt(count.dataset.limit, 10), timer = null;
    var number = function (n) { return n.toLocaleString(document.documentElement.lang || undefined); };
    function update() {
      var length = Array.from(box.value.replace(/\r\n?/g, "\n").trim()).length;
      var over = length - limit;
      var text = (over > 0 ? count.dataset.over : count.dataset.counted)
        .replace("{count}", number(length)).replace("{limit}", number(limit))
        .replace("{over}", number(over));
      count.textContent = text;
      count.classList.toggle("over", over > 0);
      return text;
    }
    box.addEventListener("input", function () {
      var text = update();
      if (!said) return;
      clearTimeout(timer);
      timer = setTimeout(function () { said.textContent = text; }, 1000);
    });
    update();
  }

  // Co-sponsors: an ARIA 1.2 combobox with a list (htmx fills the list as the delegate
  // types). Up and Down move through the States found, Enter chooses one, Escape closes the
  // list; a choice becomes a chip (a hidden input and a button to remove it).
  function coSponsors(field) {
    var box = field.querySelector("input[role=combobox]");
    var chips = field.querySelector(".chips");
    if (!box || !chips) return;
    var removeLabel = chips.dataset.removeLabel || "Remove {name}";
    function listbox() { return document.getElementById(box.getAttribute("aria-controls")); }
    function options() { var list = listbox(); return list ? Array.from(list.querySelectorAll("[role=option]")) : []; }
    function active() { return document.getElementById(box.getAttribute("aria-activedescendant") || ""); }
    function open(show) {
      var list = listbox();
      var shown = show && options().length > 0;
      if (list) list.hidden = !shown;
      box.setAttribute("aria-expanded", shown ? "true" : "false");
      if (!shown) highlight(null);
    }
    function highlight(option) {
      options().forEach(function (item) { item.setAttribute("aria-selected", item === option ? "true" : "false"); });
      if (option) {
        box.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        box.removeAttribute("aria-activedescendant");
      }
    }
    function chip(id, name) {
      var item = document.createElement("li");
      item.className = "chip";
      var label = document.createElement("span");
      label.textContent = name;
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "co_sponsors"; input.value = id;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.setAttribute("aria-label", removeLabel.replace("{name}", name));
      remove.textContent = "\u00d7";
      remove.dataset.remove = "";
      item.append(label, input, remove);
      return item;
    }
    // The boxes to untick (without the script) become chips with a remove button.
    chips.querySelectorAll("input[type=checkbox]").forEach(function (checkbox) {
      var item = checkbox.closest("li");
      var name = item.textContent.trim();
      if (checkbox.checked) item.replaceWith(chip(checkbox.value, name));
      else item.remove();
    });
    function choose(option) {
      if (!option) return;
      chips.append(chip(option.dataset.id, option.dataset.name));
      var status = document.getElementById("co-sponsor-status");
      if (status) status.textContent = (chips.dataset.addedLabel || "{name}").replace("{name}", option.dataset.name);
      box.value = "";
      open(false);
      box.focus();
    }
    chips.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove]");
      if (!button) return;
      var item = button.closest("li");
      var next = item.nextElementSibling || item.previousElementSibling;
      item.remove();
      var focus = next && next.querySelector("[data-remove]");
      (focus || box).focus();
    });
    box.addEventListener("keydown", function (event) {
      var items = options(), current = items.indexOf(active());
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!items.length) return;
        event.preventDefault();
        open(true);
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight(items[(current + step + items.length) % items.length] || items[0]);
      } else if (event.key === "Enter") {
        // Enter chooses; it never sends the form from this box.
        event.preventDefault();
        if (box.getAttribute("aria-expanded") === "true") choose(active() || (items.length === 1 ? items[0] : null));
      } else if (event.key === "Escape") {
        if (box.getAttribute("aria-expanded") === "true") { event.preventDefault(); open(false); }
        else box.value = "";
      }
    });
    // A press on an option keeps the focus in the box (the click then chooses it).
    field.addEventListener("mousedown", function (event) {
      if (event.target.closest("[role=option]")) event.preventDefault();
    });
    field.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) choose(option);
    });
    box.addEventListener("blur", function () {
      // After a click on an option has been handled.
      setTimeout(function () { if (!field.contains(document.activeElement)) open(false); }, 150);
    });
    document.body.addEventListener("htmx:afterSwap", function () {
      if (!document.getElementById("co-sponsor-options") || !field.contains(listbox())) return;
      open(document.activeElement === box && box.value.trim() !== "");
    });
    open(false);
  }

  // Participants: a filter box hides the delegations whose name does not contain what is typed
  // (hidden boxes keep their state and are still sent); the count says how many are shown.
  function delegationFilter(box) {
    var list = document.getElementById(box.getAttribute("aria-controls"));
    var status = document.getElementById(box.dataset.filterStatus);
    if (!list) return;
    var wrapper = box.closest("[data-filter-wrapper]");
    if (wrapper) wrapper.hidden = false;
    box.addEventListener("input", function () {
      var wanted = box.value.trim().toLowerCase(), shown = 0;
      list.querySelectorAll("[data-name]").forEach(function (item) {
        var match = item.dataset.name.indexOf(wanted) !== -1;
        item.hidden = !match;
        if (match) shown += 1;
      });
      // The page gives both wordings (this script has no catalogue).
      if (status) {
        status.textContent = shown === 1 ? status.dataset.one : status.dataset.many.replace("%s", shown);
      }
    });
  }

  // What a reader is in the middle of inside ``area``: typing in a field, a note typed and
  // not sent, or a <details> opened. A live refresh never replaces that.
  function busy(area) {
    // Whatever has the focus there (a field, a button, a decision's message) keeps it.
    var active = document.activeElement;
    if (active && active !== document.body && area.contains(active)) return true;
    var typed = Array.prototype.some.call(
      area.querySelectorAll("input[type=text], textarea"),
      function (field) { return field.value.trim() !== ""; }
    );
    return typed || area.querySelector("details[open]") !== null;
  }

  // Live pages (data-live-rows: the compilation's rows, the working draft's body, a desk's
  // live part) are fetched again every 30 s by a poller (data-hx-trigger="every 30s"; a
  // desk's answers 204, no swap, while nothing changed). The new copy says what it holds
  // (data-live-total, data-live-summary: the page's own words, this script has no catalogue);
  // when that changed, the summary goes to the page's polite live region (#live-news). The
  // swap waits while the reader is busy there (see busy), until a later poll.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.hasAttribute("data-live-rows")) return;
    var fresh = new DOMParser()
      .parseFromString(event.detail.serverResponse || "", "text/html")
      .getElementById(target.id);
    if (!fresh) { event.detail.shouldSwap = false; return; }
    // Said once per change: a swap put off while the reader is busy comes again at each
    // poll, and is not said again.
    var news = document.getElementById("live-news");
    if (news && fresh.dataset.liveTotal !== target.dataset.liveTotal &&
        fresh.dataset.liveTotal !== target.dataset.liveAnnounced) {
      news.textContent = fresh.dataset.liveSummary || "";
      target.dataset.liveAnnounced = fresh.dataset.liveTotal;
    }
    if (busy(target)) event.detail.shouldSwap = false;
  });

  // New content from htmx: its forms are sent once; a decision made in place on the
  // compilation brings back the card with its message, which takes the focus (the button
  // pressed is gone) and is beside the card, on screen.
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (!(elt instanceof Element)) return;
    elt.querySelectorAll("form[data-submit-once]").forEach(submitOnce);
    if (elt.matches("li.compiled-proposal")) {
      var message = elt.querySelector(".decision-message");
      if (message) message.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-delegation-filter]").forEach(delegationFilter);
    document.querySelectorAll("form.proposal-form").forEach(kindSwitch);
    document.querySelectorAll("[data-char-count]").forEach(characterCount);
    document.querySelectorAll("[data-combobox]").forEach(coSponsors);
    document.querySelectorAll("time[data-local-time]").forEach(localTime);
    document.querySelectorAll("[data-bracket-tools]").forEach(bracketTools);
    document.querySelectorAll("form[data-submit-once]").forEach(submitOnce);
  });
})();
