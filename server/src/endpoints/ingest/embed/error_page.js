// Cairn's crash-report dialog, served by `GET /api/embed/error-page/` for the JavaScript SDKs'
// `Sentry.showReportDialog()`. It builds the dialog with DOM calls and `textContent` only: the
// texts come from the page's options and the end user, never as HTML. Submitting posts the form
// back to this script's own URL; closing tells the SDK with the message it listens for.
(function (options) {
  "use strict";
  var doc = document;
  var script = doc.currentScript;
  var endpoint = (script && script.src) || options.endpoint;
  function el(tag, attrs, text) {
    var node = doc.createElement(tag);
    Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }
  function field(label, name, tag, type, value) {
    var wrap = el("label", { "class": "sentry-field" });
    wrap.appendChild(el("span", {}, label));
    var attrs = { name: name, required: "" };
    if (type) attrs.type = type;
    var input = el(tag, attrs);
    if (value) input.value = value;
    wrap.appendChild(input);
    return wrap;
  }
  var wrapper = el("div", { "class": "sentry-error-embed-wrapper" });
  var dialog = el("div", {
    "class": "sentry-error-embed", role: "dialog", "aria-modal": "true", "aria-label": options.title
  });
  wrapper.appendChild(el("style", {}, __CSS__));
  dialog.appendChild(el("h2", {}, options.title));
  dialog.appendChild(el("p", {}, options.subtitle));
  dialog.appendChild(el("p", {}, options.subtitle2));
  var form = el("form", {});
  form.appendChild(field(options.labelName, "name", "input", "text", options.name));
  form.appendChild(field(options.labelEmail, "email", "input", "email", options.email));
  form.appendChild(field(options.labelComments, "comments", "textarea", null, null));
  var message = el("p", { "class": "message-error", role: "alert" });
  message.hidden = true;
  form.appendChild(message);
  var actions = el("div", { "class": "form-submit" });
  var submit = el("button", { type: "submit", "class": "btn" }, options.labelSubmit);
  var closeButton = el("button", { type: "button", "class": "close" }, options.labelClose);
  actions.appendChild(submit);
  actions.appendChild(closeButton);
  form.appendChild(actions);
  dialog.appendChild(form);
  wrapper.appendChild(dialog);

  function close() {
    wrapper.remove();
    doc.removeEventListener("keydown", onKey);
    window.postMessage("__sentry_reportdialog_closed__", "*");
  }
  function onKey(event) {
    if (event.key === "Escape") close();
  }
  function fail(text) {
    message.textContent = text;
    message.hidden = false;
    submit.disabled = false;
  }
  closeButton.addEventListener("click", close);
  wrapper.addEventListener("click", function (event) {
    if (event.target === wrapper) close();
  });
  doc.addEventListener("keydown", onKey);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit.disabled = true;
    message.hidden = true;
    fetch(endpoint, { method: "POST", body: new URLSearchParams(new FormData(form)) }).then(
      function (response) {
        if (!response.ok) {
          fail(response.status === 400 ? options.errorFormEntry : options.errorGeneric);
          return;
        }
        var done = el("p", { "class": "message-success", role: "status" }, options.successMessage);
        form.replaceWith(done);
        var again = el("button", { type: "button", "class": "close" }, options.labelClose);
        again.addEventListener("click", close);
        dialog.appendChild(again);
        again.focus();
      },
      function () { fail(options.errorGeneric); }
    );
  });
  doc.body.appendChild(wrapper);
  var first = form.querySelector("input");
  if (first) first.focus();
})(__OPTIONS__);
