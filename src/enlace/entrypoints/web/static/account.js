// The password page's strength meter and show-password control (ASVS V2.1.8, V2.1.12).
// The meter mirrors the server's policy (enlace.security.passwords, given in data-policy): a
// password it calls acceptable is one the server accepts; the server still decides.
(function () {
  "use strict";
  var form = document.getElementById("password-form");
  if (!form) { return; }
  var policy = JSON.parse(form.getAttribute("data-policy"));
  var username = form.getAttribute("data-username") || "";
  var common = new Set(policy.common);
  var field = document.getElementById("new");
  var bar = document.getElementById("meter-bar");
  var text = document.getElementById("meter-text");
  var messages = {};
  document.querySelectorAll("#meter-messages li").forEach(function (li) {
    messages[li.getAttribute("data-key")] = li.textContent;
  });

  // Same order and rules as passwords.policy_violation.
  function violation(password) {
    if (Array.from(password).length < policy.minLength) { return "min-length"; }
    if (new TextEncoder().encode(password).length > policy.maxBytes) { return "max-length"; }
    var folded = password.trim().toLowerCase();
    if (username && folded === username.trim().toLowerCase()) { return "not-username"; }
    if (common.has(folded) || new Set(Array.from(folded)).size === 1) { return "not-common"; }
    return null;
  }

  // Beyond the rules, only a hint: longer and more varied is stronger.
  function level(password) {
    var kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(function (re) {
      return re.test(password);
    }).length;
    var length = Array.from(password).length;
    if (length >= 20 || (length >= 16 && kinds >= 3)) { return 3; }
    if (length >= 14 || kinds >= 3) { return 2; }
    return 1;
  }

  function update() {
    var password = field.value;
    var key, value;
    if (!password) {
      key = "empty"; value = 0;
    } else {
      key = violation(password);
      value = 0;
      if (key === null) {
        value = level(password);
        key = ["fair", "fair", "good", "strong"][value];
      }
    }
    bar.value = value;
    text.textContent = messages[key];
    form.setAttribute("data-meter", key);
  }

  document.getElementById("meter").hidden = false;
  field.addEventListener("input", update);
  update();

  var show = document.getElementById("show-passwords");
  document.getElementById("show-control").hidden = false;
  show.addEventListener("change", function () {
    form.querySelectorAll("#current, #new, #confirm").forEach(function (input) {
      input.type = show.checked ? "text" : "password";
    });
  });
  // Never submit with the passwords shown: a browser might offer to keep them as plain text.
  form.addEventListener("submit", function () {
    show.checked = false;
    form.querySelectorAll("#current, #new, #confirm").forEach(function (input) {
      input.type = "password";
    });
  });
})();
